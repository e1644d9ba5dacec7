"""What each variant buys beside what it risks: benefit and expressiveness, release by release.

* **expressiveness** at a release: the share of the catalog's intents a user can write there
  (an intent whose class the release does not know counts as not writable).
* **benefit** at a release: the share of controllers newly defined there with the default
  device (one per default-device intent whose class the release knows) that the guest gets
  with the class's *preferred* device, the newest default the host's QEMU offers. It is the
  reason defaults change at all: ``status-quo`` keeps every class's first device forever, so
  its benefit drops as soon as a better device becomes the default (root ports at 3.2.0).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pcidesign.model import engine
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, load

COLUMNS = ["variant", "timeline", "release", "expressiveness", "benefit", "benefit_of", "gets_preferred"]


def measures(variants: Sequence[str] | None = None, timeline: str = DEFAULT_TIMELINE,
             catalog: Catalog | None = None) -> pd.DataFrame:
    """One row per (variant, release): expressiveness, benefit, how many new default-device
    controllers the benefit is over (``benefit_of``) and which of them get the preferred device."""
    cat = catalog or load()
    ids = list(variants) if variants is not None else list(_schemes.scheme_ids())
    intents = list(cat.intents.values())
    rows = []
    for vid in ids:
        sch = _schemes.get(vid)
        for rel in cat.timeline(timeline):
            host = cat.host(rel)
            d = sch.dialect(host, cat)
            known = cat.known_classes(rel)
            writable = sum(engine.write_intent(d, it) is not None for it in intents if it.cls in known)
            preferred, over = [], 0
            for it in intents:
                if it.device is not None or it.cls not in known or cat.legacy_device(it.cls) is None:
                    continue
                best = cat.default_device(it.cls, host)
                if best is None:
                    continue
                over += 1
                xml = engine.write_intent(d, it)
                state = engine.define(d, xml)[0] if xml is not None else None
                got = dict((c, dev) for _i, c, dev in state.hardware).get(it.cls) if state is not None else None
                if got == best:
                    preferred.append(it.cls)
            rows.append({"variant": sch.id, "timeline": timeline, "release": rel.id,
                         "expressiveness": round(writable / len(intents), 4),
                         "benefit": round(len(preferred) / over, 4) if over else 1.0,
                         "benefit_of": over, "gets_preferred": " ".join(preferred)})
    return pd.DataFrame(rows, columns=COLUMNS)


def benefit_of_class(variant: str, cls: str, release: str, timeline: str = DEFAULT_TIMELINE,
                     catalog: Catalog | None = None) -> int:
    """1 when a ``cls`` controller newly defined at ``release`` with the default device gets the
    class's preferred device under ``variant``, else 0."""
    frame = measures([variant], timeline, catalog)
    row = frame[frame["release"] == release]
    return int(cls in row["gets_preferred"].iloc[0].split()) if not row.empty else 0
