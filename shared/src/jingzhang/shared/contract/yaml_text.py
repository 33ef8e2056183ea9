"""A block-style YAML rendering of JSON data, so the contract needs no YAML library.

Every scalar is written as JSON (strings double-quoted), which YAML 1.2 reads unchanged; only
mappings and sequences use block style, for people reading the diff.
"""

import json
from typing import Any


def dump(value: Any) -> str:
    return "".join(_lines(value, 0)) if _is_block(value) else _scalar(value) + "\n"


def _is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _scalar(value: Any) -> str:
    if isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value, ensure_ascii=False)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{json.dumps(str(key), ensure_ascii=False)}:"
            out += [head + "\n", *_lines(item, indent + 2)] if _is_block(item) else [f"{head} {_scalar(item)}\n"]
    else:
        for item in value:
            if _is_block(item):
                nested = _lines(item, indent + 2)
                out += [f"{pad}- {nested[0].lstrip()}", *nested[1:]]
            else:
                out.append(f"{pad}- {_scalar(item)}\n")
    return out
