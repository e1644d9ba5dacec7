"""Named scenarios: sequences of hops over two releases, A (where the XML is written) and B."""

from __future__ import annotations

from dataclasses import dataclass

from pcidesign.model.catalog import fields_only, remembered_hash
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.vocab import Hop


@dataclass(frozen=True)
class Scenario:
    """A named sequence of hops; each hop is done at release ``A`` or ``B``."""

    id: str
    description: str
    steps: tuple[tuple[Hop, str], ...]

    def __hash__(self) -> int:
        return remembered_hash(self)

    def __getstate__(self) -> dict[str, object]:
        return fields_only(self)


SCENARIOS: dict[str, Scenario] = {
    s.id: s
    for s in (
        Scenario(
            "restart",
            "define at A, then the daemon of B loads the saved config and starts the guest "
            "(an upgrade below the diagonal, a downgrade above)",
            ((Hop.DEFINE, "A"), (Hop.RESTART, "B")),
        ),
        Scenario(
            "resave-roundtrip",
            "define at A, restart and resave at B, then restart at A again",
            ((Hop.DEFINE, "A"), (Hop.RESTART, "B"), (Hop.RESAVE, "B"), (Hop.RESTART, "A")),
        ),
        Scenario(
            "migrate",
            "define and start at A, then migrate live to B",
            ((Hop.DEFINE, "A"), (Hop.MIGRATE, "B")),
        ),
        Scenario(
            "migrate-roundtrip",
            "define and start at A, migrate live to B, and back to A",
            ((Hop.DEFINE, "A"), (Hop.MIGRATE, "B"), (Hop.MIGRATE, "A")),
        ),
        Scenario(
            "migrate-app-xml",
            "define and start at A, then migrate live to B with destination XML from the application (virsh "
            "migrate --xml, as nova and oVirt do): the source parses, fills and checks it (which XML: --app-xml)",
            ((Hop.DEFINE, "A"), (Hop.MIGRATE_APP_XML, "B")),
        ),
        Scenario(
            "daemon-restart",
            "define and start at A; the daemon of B takes the running guest over from its status XML "
            "(a daemon upgrade below the diagonal, a downgrade above)",
            ((Hop.DEFINE, "A"), (Hop.DAEMON_RESTART, "B")),
        ),
        Scenario(
            "save-restore",
            "define and start at A, save it there, restore the image at B",
            ((Hop.DEFINE, "A"), (Hop.SAVE, "A"), (Hop.RESTORE, "B")),
        ),
        Scenario(
            "snapshot-revert",
            "define and start at A, snapshot it there, revert to the snapshot at B",
            ((Hop.DEFINE, "A"), (Hop.SNAPSHOT, "A"), (Hop.REVERT, "B")),
        ),
        Scenario(
            "edit-after-downgrade",
            "define at A, restart at B (a downgrade above the diagonal), then edit the config at B "
            "(virsh edit: define with validation)",
            ((Hop.DEFINE, "A"), (Hop.RESTART, "B"), (Hop.EDIT, "B")),
        ),
    )
}

CORE: tuple[str, ...] = ("restart", "resave-roundtrip", "migrate", "migrate-roundtrip")
"""The four scenarios of docs/index.md#scenarios (the report runs a matrix notebook for each; the others are in
its grids and findings)."""


def get(scenario_id: "str | Scenario") -> Scenario:
    """The scenario ``scenario_id``, or an error listing the valid ids."""
    if isinstance(scenario_id, Scenario):
        return scenario_id
    try:
        return SCENARIOS[scenario_id]
    except KeyError:
        raise UnknownNameError("scenario", scenario_id, SCENARIOS) from None


def scenario_ids() -> tuple[str, ...]:
    """Every scenario id."""
    return tuple(SCENARIOS)
