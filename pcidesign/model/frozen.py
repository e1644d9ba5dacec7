"""A cheaper constructor for the frozen dataclasses the engine makes by the hundred thousand.

A frozen dataclass's generated ``__init__`` sets each field through ``object.__setattr__`` (the
class's own ``__setattr__`` refuses), about twice the cost of filling the instance's ``__dict__``.
:func:`quick_init` gives a frozen dataclass an ``__init__`` that fills ``__dict__`` directly, with
the same parameters, defaults and ``__post_init__`` call: the objects are the same, and still
refuse assignment. A sweep makes a :class:`~pcidesign.model.engine.Result`, a
:class:`~pcidesign.model.hops.Step` and a :class:`~pcidesign.model.hops.State` per cell or hop.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

C = TypeVar("C", bound=type)


def quick_init(cls: C) -> C:
    """Replace the ``__init__`` of the frozen dataclass ``cls`` (no slots, no default factories)
    by one that fills the instance's ``__dict__``; returns ``cls`` (use it as a class decorator,
    under ``@dataclass``)."""
    params = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not cls.__dataclass_params__.frozen or hasattr(cls, "__slots__"):  # type: ignore[attr-defined]
        raise TypeError(f"quick_init is for frozen dataclasses without slots, not {cls.__name__}")
    args, body, defaults = [], [], {}
    for f in params:
        if not f.init:
            continue
        if f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"quick_init: {cls.__name__}.{f.name} has a default factory")
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
        body.append(f"    d[{f.name!r}] = {f.name}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(args)}):\n    d = self.__dict__\n" + "\n".join(body) + "\n"
    namespace: dict[str, object] = dict(defaults)
    exec(source, namespace)  # noqa: S102 - the source is built from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    init.__doc__ = cls.__init__.__doc__  # type: ignore[misc]
    cls.__init__ = init  # type: ignore[misc]
    return cls
