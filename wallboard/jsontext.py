"""Compact JSON text, encoded fast: how the product encodes what it writes and sends in bulk.

`json.dumps` builds a C encoder for every call (a third of its time on a small dict) and, by
default, checks every list and dict for a circular reference, which costs more than the
encoding itself on values made of many small dicts (a board's agents: 1.3 ms for a board of
400 agents, 0.5 ms without the check). The encoder here is built once and makes no such
check: what it encodes is plain data (decoded rows, tile values), never cyclic; a cycle would
end in RecursionError rather than ValueError. The text is what
`json.dumps(value, separators=(",", ":"))` gives.
"""

from __future__ import annotations

import json
from json import encoder as json_encoder
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"))
_c_make_encoder = getattr(json_encoder, "c_make_encoder", None)  # None without the C part
_c_encode = (
    None
    if _c_make_encoder is None
    else _c_make_encoder(
        None,  # no markers: no circular-reference check
        _ENCODER.default,
        json_encoder.encode_basestring_ascii,
        None,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        _ENCODER.sort_keys,
        _ENCODER.skipkeys,
        _ENCODER.allow_nan,
    )
)


def compact(value: Any) -> str:
    """`json.dumps(value, separators=(",", ":"))`, faster."""
    if _c_encode is None or isinstance(value, str):
        return _ENCODER.encode(value)
    return "".join(_c_encode(value, 0))


class CompactEncoder(json.JSONEncoder):
    """A JSONField's encoder (`encoder=CompactEncoder`): its values are stored as compact()
    encodes them. Asked for anything else (indented, sorted, non-ASCII text: a form showing
    the value), it encodes as JSONEncoder does."""

    def encode(self, o: Any) -> str:
        if self.indent is None and self.ensure_ascii and not self.sort_keys:
            return compact(o)
        return super().encode(o)
