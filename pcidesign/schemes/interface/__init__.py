"""The schemes of the ``<interface>`` kind (:mod:`pcidesign.model.kinds.interface`): how a NIC's
model is named and what a missing one means. Registered with ``kind='interface'``, so the PCI
listings do not show them; ``pcidesign schemes --kind interface`` does."""

from __future__ import annotations

from pcidesign.schemes.interface.model_values import SCHEME as MODEL_VALUES
from pcidesign.schemes.interface.status_quo import SCHEME as STATUS_QUO

SCHEMES = (STATUS_QUO, MODEL_VALUES)
"""The interface kind's schemes, in the order they are registered and shown."""
