"""Dataclasses <-> JSON-safe dicts, driven by the type hints.

Storage keeps domain objects as plain JSON; this is the one place that knows how a Decimal,
a date or an enum is written down, so the domain stays free of serialisation code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_doc(value: Any) -> Any:
    """Turn a dataclass (or anything inside one) into JSON-safe values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_doc(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_doc(v) for v in value]
    if isinstance(value, dict):
        return {k: to_doc(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in typing.get_type_hints(cls).items() if k in names}


def from_doc(cls: type[T], doc: Any) -> T:
    """Rebuild a value of type `cls` from what `to_doc` wrote. Unknown keys are ignored, so
    older code can read files written by newer code."""
    return _build(cls, doc)


def _build(tp: Any, doc: Any) -> Any:
    if doc is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(inner[0], doc)
    if origin is tuple:
        (item,) = typing.get_args(tp)[:1]
        return tuple(_build(item, v) for v in doc)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_build(item, v) for v in doc]
    if origin is dict:
        _, item = typing.get_args(tp)
        return {k: _build(item, v) for k, v in doc.items()}
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{k: _build(hints[k], v) for k, v in doc.items() if k in hints})
    if tp is datetime:
        return datetime.fromisoformat(doc)
    if tp is date:
        return date.fromisoformat(doc)
    if tp is Decimal:
        return Decimal(doc)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(doc)
    return doc
