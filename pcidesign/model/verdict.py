"""The one rule that turns what happened to a guest into an outcome.

A history is a define followed by hops. Each hop may report an *event* of its own (``rejected``,
``domain-lost``, ``aborted``: these end the history) or run the guest with hardware that differs
from the hardware it had right after the define (``guest-changed``: the history goes on). The
outcome is the worst event so far; a history that ends normally is also judged on its config
(``info-lost``, ``rewritten`` or ``ok`` against the config saved at define), and the worse of
the two wins.

Both the scenario engine (:class:`pcidesign.model.engine.Trail`) and the path search
(:mod:`pcidesign.analysis.paths`) call these functions; nothing else decides an outcome. A new
rule (say, a guest-visible value that changes) goes here, or into the hardware the hops report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pcidesign.model.vocab import Outcome

H = TypeVar("H")

TERMINAL: frozenset[Outcome] = frozenset({Outcome.REJECTED, Outcome.DOMAIN_LOST, Outcome.ABORTED})
"""Events after which the guest's history cannot go on in this scenario."""


def hop_event(event: Outcome | None, hardware: H | None, reference: H) -> Outcome | None:
    """What one hop adds to the history: its own event, else ``guest-changed`` when the guest
    now runs with hardware other than ``reference`` (the hardware right after the define)."""
    if event is None and hardware is not None and hardware != reference:
        return Outcome.GUEST_CHANGED
    return event


def worse(worst: Outcome, event: Outcome | None) -> Outcome:
    """``worst`` after ``event``: the more severe of the two (no event changes nothing)."""
    if event is None or event.severity <= worst.severity:
        return worst
    return event


def outcome(worst: Outcome, ended: bool, judge: Callable[[], Outcome]) -> Outcome:
    """The outcome of a history whose worst event is ``worst``: a history ``ended`` by a terminal
    event is that event; otherwise the worse of ``worst`` and ``judge()`` (the config's verdict)."""
    if ended:
        return worst
    return worse(worst, judge())
