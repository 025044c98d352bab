"""Dataclasses <-> JSON-safe dicts, driven by the type hints.

Storage keeps domain objects as plain JSON; this is the one place that knows how a Decimal,
a date or an enum is written down, so the domain stays free of serialisation code.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Hashable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar, cast

T = TypeVar("T")


_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def to_doc(value: Any) -> Any:
    """Turn a dataclass (or anything inside one) into JSON-safe values."""
    cls = type(value)
    if cls in _PLAIN:
        return value
    if dataclasses.is_dataclass(cls):
        return {name: to_doc(getattr(value, name)) for name in _field_names(cls)}
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
    return _decoder(cast(Hashable, cls))(doc)


def _identity(doc: Any) -> Any:
    return doc


def _none_or(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def decode(doc: Any) -> Any:
        return None if doc is None else build(doc)

    return decode


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function doc -> value for the type hint `tp`, worked out once per type: reading a
    client file decodes hundreds of values, and inspecting the hints each time dominated."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decoder(inner[0])
    if origin is tuple:
        item = _decoder(typing.get_args(tp)[0])
        return _none_or(lambda doc: tuple(item(v) for v in doc))
    if origin is list:
        item = _decoder(typing.get_args(tp)[0])
        return _none_or(lambda doc: [item(v) for v in doc])
    if origin is dict:
        item = _decoder(typing.get_args(tp)[1])
        return _none_or(lambda doc: {k: item(v) for k, v in doc.items()})
    if dataclasses.is_dataclass(tp):
        return _dataclass_decoder(cast(type, tp))
    if tp is datetime:
        return _none_or(datetime.fromisoformat)
    if tp is date:
        return _none_or(date.fromisoformat)
    if tp is Decimal:
        return _none_or(Decimal)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _none_or(_enum_converter(tp))
    return _identity


@cache
def _enum_converter(tp: type[Enum]) -> Callable[[Any], Any]:
    """`tp(value)`, by a look-up in the enum's own table of values: calling the enum class goes
    through its metaclass, and was most of the time spent decoding a long history (an
    interaction's kind). A value not in the table takes `tp(value)`, so it fails (or is
    mapped by `_missing_`) exactly as before."""
    members = tp._value2member_map_

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):  # TypeError: an unhashable value
            return tp(value)

    return convert


def _dataclass_decoder(tp: type) -> Callable[[Any], Any]:
    """Decode a dataclass with a function written for it (`_compile`), made on first use so a
    type may refer to itself. A document missing a field (written by older code) takes the
    general path, which leaves that field at its default."""
    compiled: list[Callable[[Any], Any]] = []
    fields: dict[str, Callable[[Any], Any]] = {}

    def general(doc: Any) -> Any:
        if not fields:
            fields.update({k: _decoder(v) for k, v in _hints(tp).items()})
        return tp(**{k: fields[k](v) for k, v in doc.items() if k in fields})

    def decode(doc: Any) -> Any:
        if doc is None:
            return None
        if not compiled:
            compiled.append(_compile(tp, general))
        return compiled[0](doc)

    return decode


def _optional_inner(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(tp) if a is not type(None)][0]
    return tp


def _converter(tp: Any) -> Callable[[Any], Any] | None:
    """The one-argument function that decodes a non-None value of `tp`, if it is that simple."""
    tp = _optional_inner(tp)
    if tp in (date, datetime):
        return tp.fromisoformat
    if tp is Decimal:
        return tp
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_converter(tp)
    return None


def _compile(tp: type, general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """One function that builds a `tp` from its document, every field's conversion inline.

    Same result as `general`, which calls a decoder per field: a client record holds a few
    hundred values, and those calls were most of the time a nudge pass spent reading. The
    source is made only from the dataclass's own field names and type hints."""
    env: dict[str, Any] = {"_tp": tp, "_general": general}
    values: list[tuple[str, str]] = []
    for i, (name, hint) in enumerate(_hints(tp).items()):
        value = f"doc[{name!r}]"
        inner = _optional_inner(hint)
        origin = typing.get_origin(inner)
        if _decoder(hint) is _identity:
            expr = value
        elif (convert := _converter(hint)) is not None:
            env[f"_c{i}"] = convert
            expr = f"(None if (_v{i} := {value}) is None else _c{i}(_v{i}))"
        elif origin in (tuple, list):
            item = typing.get_args(inner)[0]
            if _decoder(item) is _identity:
                each = "_x"
            elif (convert := _converter(item)) is not None:
                env[f"_c{i}"] = convert
                each = f"(None if _x is None else _c{i}(_x))"
            else:
                env[f"_d{i}"] = _decoder(item)
                each = f"_d{i}(_x)"
            wrap = "tuple" if origin is tuple else ""
            expr = f"(None if (_v{i} := {value}) is None else {wrap}([{each} for _x in _v{i}]))"
        else:
            env[f"_d{i}"] = _decoder(hint)
            expr = f"_d{i}({value})"
        values.append((name, expr))
    if _plain_init(tp):
        # Its __init__ would only store each argument, through one object.__setattr__ call
        # per field for a frozen class: fill the new instance's __dict__ in one go instead.
        env["_new"], env["_set"] = object.__new__, object.__setattr__
        items = ", ".join(f"{name!r}: {expr}" for name, expr in values)
        body = f"        _o = _new(_tp)\n        _set(_o, '__dict__', {{{items}}})\n        return _o\n"
    else:
        body = f"        return _tp({', '.join(f'{n}={e}' for n, e in values)})\n"
    source = (
        f"def build(doc):\n    try:\n{body}    except KeyError:\n        return _general(doc)\n"
    )
    exec(source, env)
    return env["build"]


def _plain_init(tp: type) -> bool:
    """Whether the dataclass's __init__ is the generated one that only stores its arguments
    (no __post_init__, no slots, no field left out of __init__)."""
    params = getattr(tp, "__dataclass_params__", None)
    return (
        params is not None
        and params.init
        and "__slots__" not in tp.__dict__
        and not hasattr(tp, "__post_init__")
        and all(f.init for f in dataclasses.fields(tp))
        and getattr(getattr(getattr(tp, "__init__", None), "__code__", None), "co_filename", "")
        == "<string>"
    )
