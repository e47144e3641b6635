"""`Record`, the base of `hours`' value types: a typed named tuple.

To a type checker it is `typing.NamedTuple` itself. At run time it makes the same class (a
`collections.namedtuple` with the class body's methods, docstring and annotations), without
what `typing.NamedTuple` adds there: a check of each field's annotation which, annotations
being text here (`from __future__ import annotations`), compiles every one. `hours status`
makes the schedule's and the config's value types at every start, and those checks were about
a tenth of what it costs beyond starting Python and click (benchmarks/startup_bench.py).

A field's annotation is kept as written, in `__annotations__`; nothing here evaluates it.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

__all__ = ["Record"]

if TYPE_CHECKING:
    from typing import NamedTuple as Record
else:
    # What typing.NamedTuple leaves out of the class body's names, as it does.
    _NOT_COPIED = frozenset(
        {"__module__", "__qualname__", "__annotations__", "__orig_bases__", "__classcell__"}
    )

    class _RecordMeta(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
            if not bases:  # _RecordBase itself
                return super().__new__(mcls, name, bases, ns)
            annotations = ns.get("__annotations__", {})
            fields = list(annotations)
            defaults = []
            for field in fields:
                if field in ns:
                    defaults.append(ns[field])
                elif defaults:
                    raise TypeError(f"{name}: field {field} without a default follows one with")
            cls = collections.namedtuple(name, fields, defaults=defaults, module=ns["__module__"])
            cls.__annotations__ = dict(annotations)
            cls.__qualname__ = ns.get("__qualname__", name)
            for key, value in ns.items():
                if key not in _NOT_COPIED and key not in fields:
                    setattr(cls, key, value)
            return cls

    class _RecordBase(metaclass=_RecordMeta):
        pass

    class _RecordFactory:
        """What `class Point(Record)` derives from: the metaclass above makes the class."""

        def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
            return (_RecordBase,)

    Record = _RecordFactory()
