"""`Record` makes the class typing.NamedTuple makes, only without checking annotations."""

from __future__ import annotations

import pickle
from typing import NamedTuple

import pytest

from hours.record import Record


class Span(Record):
    """A span, with a default end."""

    start: int
    end: int = 10

    def length(self) -> int:
        return self.end - self.start

    @property
    def empty(self) -> bool:
        return self.start == self.end


class TypedSpan(NamedTuple):
    """A span, with a default end."""

    start: int
    end: int = 10

    def length(self) -> int:
        return self.end - self.start

    @property
    def empty(self) -> bool:
        return self.start == self.end


def test_a_record_behaves_as_the_same_named_tuple() -> None:
    for cls in (Span, TypedSpan):
        span = cls(3)
        assert span == (3, 10)
        assert span.length() == 7
        assert not span.empty
        assert span._replace(end=3).empty
        assert type(span._replace(end=3)) is cls
        assert cls._make([1, 2]) == (1, 2)
        assert span._asdict() == {"start": 3, "end": 10}
        assert cls._fields == ("start", "end")
        assert cls._field_defaults == {"end": 10}
        assert sorted([cls(5), cls(1, 2)]) == [(1, 2), (5, 10)]
        assert hash(span) == hash((3, 10))
        assert cls.__doc__ == "A span, with a default end."
    # The one difference: annotations stay text, where typing makes each a ForwardRef.
    assert Span.__annotations__ == {"start": "int", "end": "int"}
    assert {k: v.__forward_arg__ for k, v in TypedSpan.__annotations__.items()} == {
        "start": "int",
        "end": "int",
    }
    assert repr(Span(1, 2)) == "Span(start=1, end=2)"
    assert Span.__module__ == __name__
    assert Span.__qualname__ == "Span"
    assert Span.__mro__[1:] == (tuple, object)


def test_a_record_pickles_as_its_own_class() -> None:
    assert pickle.loads(pickle.dumps(Span(1, 4))) == Span(1, 4)
    assert type(pickle.loads(pickle.dumps(Span(1, 4)))) is Span


def test_a_record_has_no_instance_dictionary() -> None:
    with pytest.raises(AttributeError):
        Span(1).other = 2  # type: ignore[attr-defined]


def test_a_field_without_a_default_after_one_with_is_refused_as_typing_does() -> None:
    with pytest.raises(TypeError, match="without a default"):

        class Broken(Record):
            first: int = 0
            second: int
