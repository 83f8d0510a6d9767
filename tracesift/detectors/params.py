"""Detector parameters from ``tracesift.toml`` or ``--set``, parsed by the type each parameter declares.

TOML gives typed values, ``--set`` gives text; both go through the same rules:
``bool`` takes true/false (yes/no, on/off, 1/0), ``int`` whole numbers only,
``float`` any number, ``list[...]``/``tuple[...]`` a list or comma-separated text.
"""

from __future__ import annotations

import dataclasses
import types
import typing

from tracesift.errors import UsageError

TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}


def parse_params(detector: str, params: type, values: dict[str, object]):
    """An instance of the dataclass ``params`` with ``values`` over its defaults; UsageError naming what is wrong."""
    hints = typing.get_type_hints(params)
    known = [f.name for f in dataclasses.fields(params)]
    parsed = {}
    for name, value in values.items():
        if name not in known:
            raise UsageError(f"{detector} has no parameter {name!r} (it has: {', '.join(known) or 'none'})")
        try:
            parsed[name] = convert(value, hints[name])
        except (TypeError, ValueError):
            raise UsageError(f"{detector}.{name} must be {describe(hints[name])}, got {value!r}") from None
    return params(**parsed)


def convert(value: object, kind: object) -> object:
    """``value`` as ``kind`` (bool, int, float, str, list[...] or tuple[..., ...]); ValueError when it is not one."""
    origin = typing.get_origin(kind)
    if origin in (list, tuple):
        items = [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ValueError(value)
        item_kind = typing.get_args(kind)[0] if typing.get_args(kind) else str
        return origin(convert(item, item_kind) for item in items)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return convert(value, options[0])
    return _scalar(value, kind)


def _scalar(value: object, kind: object) -> object:
    text = value.strip() if isinstance(value, str) else None
    if kind is bool:
        if isinstance(value, bool):
            return value
        if text is not None and text.lower() in TRUE | FALSE:
            return text.lower() in TRUE
        raise ValueError(value)
    if isinstance(value, bool):
        raise ValueError(value)  # True is not a number, whatever Python says
    if kind is int:
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return int(text) if text is not None else _fail(value)
    if kind is float:
        return float(value) if isinstance(value, (int, float)) else float(text) if text is not None else _fail(value)
    if kind is str:
        return value if isinstance(value, str) else _fail(value)
    raise TypeError(f"parameters of type {kind} are not supported")


def _fail(value: object):
    raise ValueError(value)


def describe(kind: object) -> str:
    """How a type reads in an error message: "a float", "a list of ints"."""
    origin = typing.get_origin(kind)
    if origin in (list, tuple):
        args = typing.get_args(kind)
        return f"a list of {getattr(args[0], '__name__', 'value') if args else 'value'}s"
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return describe(options[0]) + " or none"
    return {bool: "true or false", int: "an int", float: "a float", str: "text"}.get(kind, str(kind))
