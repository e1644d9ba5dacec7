"""The outcome palette: every pair of outcomes told apart with normal vision and under simulated
protanopia, deuteranopia and tritanopia, and the failures ordered by lightness.

The simulation is Machado, Oliveira and Fernandes (2009), severity 1.0, applied in linear sRGB;
the distance is CIELAB Delta E (CIE76) under D65. The test iterates over the outcome vocabulary,
so a new outcome must be given a colour that keeps every pair apart.
"""

from __future__ import annotations

import itertools

import matplotlib.colors as mcolors
import numpy as np
import pytest

import pcidesign

from pcidesign.model.vocab import BY_SEVERITY, Outcome
from pcidesign.render import plots

MACHADO_2009 = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E = 20.0
"""CIE76 distance every pair of outcome colours keeps under each simulation (the Okabe-Ito
assignment used before came down to 16 under tritanopia and 17 under deuteranopia, with
guest-changed and aborted at 18)."""

SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
D65 = np.array([0.95047, 1.0, 1.08883])


def linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def lab(linear_rgb: np.ndarray) -> np.ndarray:
    t = SRGB_TO_XYZ @ np.clip(linear_rgb, 0.0, 1.0) / D65
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(outcome: Outcome, vision: str) -> np.ndarray:
    return lab(MACHADO_2009[vision] @ linear(np.array(mcolors.to_rgb(plots.COLOURS[outcome]))))


def test_every_outcome_has_a_colour_and_a_code() -> None:
    assert set(plots.COLOURS) == set(Outcome), "give every outcome a colour in render/plots.py COLOURS"
    assert set(plots.SHORT) == set(Outcome)
    assert len(set(plots.SHORT.values())) == len(Outcome)


@pytest.mark.parametrize("vision", list(MACHADO_2009))
def test_every_pair_of_outcomes_stays_apart(vision: str) -> None:
    close = []
    for a, b in itertools.combinations(list(Outcome), 2):
        d = float(np.linalg.norm(seen(a, vision) - seen(b, vision)))
        if d < MIN_DELTA_E:
            close.append(f"{a.value} vs {b.value}: {d:.1f}")
    assert not close, f"under {vision}, colours closer than Delta E {MIN_DELTA_E}: {close}"


def test_guest_changed_and_aborted_are_far_apart() -> None:
    for vision in MACHADO_2009:
        assert np.linalg.norm(seen(Outcome.GUEST_CHANGED, vision) - seen(Outcome.ABORTED, vision)) > 40


def test_failures_darken_with_severity() -> None:
    failures = [o for o in BY_SEVERITY if o.is_failure]
    for vision in MACHADO_2009:
        lightness = [seen(o, vision)[0] for o in failures]
        assert lightness == sorted(lightness), (vision, dict(zip(failures, lightness)))


def test_the_simulation_is_not_the_identity() -> None:
    red, green = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.5, 0.0])
    normal = np.linalg.norm(lab(red) - lab(linear(green)))
    deutan = np.linalg.norm(lab(MACHADO_2009["deuteranopia"] @ red) - lab(MACHADO_2009["deuteranopia"] @ linear(green)))
    assert deutan < normal / 2


def test_the_grid_writes_each_cells_code_where_it_fits() -> None:
    import matplotlib.pyplot as plt
    import pcidesign

    frame = pcidesign.sweep(["model-subelement"], ["restart"], "whatif")
    fig = plots.grid(frame)
    texts = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("code-")]
    n = len(pcidesign.load_catalog().timeline("whatif"))
    assert len(texts) == n * n
    worst = plots.cells(frame)
    first = worst.iloc[0]
    assert any(t.get_text() == plots.SHORT[Outcome(str(first["outcome"]))] for t in texts)
    plt.close(fig)
    tiny = plt.figure(figsize=(1.0, 1.0))
    ax = tiny.add_subplot()
    assert plots.write_codes(ax, np.zeros((40, 40))) == 0.0 and not ax.texts
    plt.close(tiny)
