"""The vocabulary of docs/index.md#outcomes as enums: outcomes (ordered by severity) and hops."""

from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    """What happens to the guest in one scenario for one intent, worst first."""

    GUEST_CHANGED = "guest-changed"
    DOMAIN_LOST = "domain-lost"
    ABORTED = "aborted"
    REJECTED = "rejected"
    INFO_LOST = "info-lost"
    REWRITTEN = "rewritten"
    OK = "ok"
    NOT_EXPRESSIBLE = "not-expressible"

    @property
    def severity(self) -> int:
        """7 for guest-changed down to 1 for ok; 0 for not-expressible (not a failure)."""
        return _SEVERITY[self]

    @property
    def meaning(self) -> str:
        """The one-line meaning from docs/index.md#outcomes."""
        return _MEANING[self]

    @property
    def is_failure(self) -> bool:
        """True for outcomes that hurt: anything worse than ``rewritten``."""
        return self.severity > Outcome.REWRITTEN.severity

    @classmethod
    def worst(cls, outcomes: "list[Outcome] | tuple[Outcome, ...]") -> "Outcome":
        """The most severe of ``outcomes`` (``not-expressible`` when there are none)."""
        return max(outcomes, key=_SEVERITY.__getitem__, default=cls.NOT_EXPRESSIBLE)

    @classmethod
    def parse(cls, text: str) -> "Outcome":
        """``"domain-lost"`` -> ``Outcome.DOMAIN_LOST``, with the valid values on error."""
        from pcidesign.model.errors import UnknownNameError

        try:
            return cls(text)
        except ValueError:
            raise UnknownNameError("outcome", text, [o.value for o in cls]) from None

    def __str__(self) -> str:
        return self.value


# Severity order, worst first, as in docs/index.md#outcomes; BY_SEVERITY is the order plots use.
BY_SEVERITY: tuple[Outcome, ...] = tuple(Outcome)
_SEVERITY = {o: len(BY_SEVERITY) - 1 - i for i, o in enumerate(BY_SEVERITY)}
_MEANING = {
    Outcome.GUEST_CHANGED: "the guest runs with different hardware and nothing said so",
    Outcome.DOMAIN_LOST: "a saved config no longer loads: the domain vanishes from the list",
    Outcome.ABORTED: "libvirt let it through but QEMU refused the migration stream (device mismatch)",
    Outcome.REJECTED: "a clear libvirt error, before anything changed",
    Outcome.INFO_LOST: "the same device now, but the saved or sent XML no longer pins it",
    Outcome.REWRITTEN: "the same device, the XML text changed",
    Outcome.OK: "the same device, the same XML",
    Outcome.NOT_EXPRESSIBLE: "the intent cannot be written at the starting release (not a failure)",
}


class Hop(str, Enum):
    """One thing an operator does."""

    DEFINE = "define"
    RESTART = "restart"
    RESAVE = "resave"
    MIGRATE = "migrate"
    MIGRATE_APP_XML = "migrate-app-xml"
    """Live migration with destination XML from the application (``--xml``), as it wrote the domain."""
    DAEMON_RESTART = "daemon-restart"
    """The guest keeps running; the daemon of another release takes it over from its status XML."""
    SAVE = "save"
    """``virsh save`` (or managed save): the guest stops, its state and MIGRATABLE XML go to an image."""
    RESTORE = "restore"
    """``virsh restore`` of that image, at the same or another release."""
    SNAPSHOT = "snapshot"
    """A snapshot of the running guest: its metadata holds the domain definition."""
    REVERT = "revert"
    """``virsh snapshot-revert`` at the same or another release."""
    EDIT = "edit"
    """``virsh define --validate`` of the config file as saved: re-defined through the release's schema."""

    def __str__(self) -> str:
        return self.value
