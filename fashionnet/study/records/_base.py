"""The base of every study record: a dataclass that reads and writes plain JSON dicts."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

#: Version of the records' schema; records without one are schema 1.
SCHEMA_VERSION = 2


class Record:
    """A stage's measurements: a dataclass that reads and writes plain JSON dicts.

    ``_optional`` names the fields left out of the dict when None (the keys
    a stage writes only sometimes); ``_nested`` maps a field to the record
    class of its value, or of its list's items; ``_nested_maps`` a field
    whose value is a dict of records to the class of those records.
    """

    _optional: ClassVar[frozenset[str]] = frozenset()
    _nested: ClassVar[dict[str, type]] = {}
    _nested_maps: ClassVar[dict[str, type]] = {}

    def to_dict(self) -> dict:
        """The record as plain Python, keys in the order the study has always written them."""
        out = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None and f.name in self._optional:
                continue
            out[f.name] = _plain(value)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Any:
        """The record of a dict :meth:`to_dict` wrote (keys it does not know are ignored)."""
        values = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name not in data:
                continue
            value = data[f.name]
            kind = cls._nested.get(f.name)
            if kind is not None and value is not None:
                value = _build(kind, value)
            kind = cls._nested_maps.get(f.name)
            if kind is not None and value is not None:
                value = {k: kind.from_dict(v) for k, v in value.items()}
            values[f.name] = value
        return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _build(kind: type, value: Any) -> Any:
    if isinstance(value, list):
        return [kind.from_dict(v) for v in value]
    return kind.from_dict(value)
