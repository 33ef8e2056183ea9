"""Oversized numbers in every command of a service: each a 422 naming its field, before anything is decided.

Found by hand before (issue 18): leaflet counts of 2^31, 2^63 or 10^400 and a visit's `person_times`
of 10^30 were answered 201, and every reader whose table holds an `integer` then parked them. The
kernel's guard (`jingzhang.shared.bounds`) refuses any integer outside PostgreSQL `integer` and any
infinite number in any command body, before the handler; each service's own bounds come on top.
Every integer field of every command body in the service's OpenAPI document is tried, alone in its
body, with each oversized value; the same field at the largest `integer` is not refused as oversized.
"""

from collections.abc import Iterator
from typing import Any

import httpx

from jingzhang.shared.bounds import MAX_INT, MIN_INT
from tests.auth import BUREAU

OVERSIZED = {
    "2^31": str(MAX_INT + 1),
    "-2^31-1": str(MIN_INT - 1),
    "2^63": str(2**63),
    "10^30": str(10**30),
    "10^400": "1" + "0" * 400,
    "1e400": "1e400",
}
JSON = {**BUREAU, "content-type": "application/json"}


def integer_fields(schema: dict[str, Any], document: dict[str, Any], at: str = "") -> Iterator[str]:
    """The dotted path of every integer property a body schema declares (list items as `.0`)."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for branch in schema.get("anyOf", []) + schema.get("allOf", []) + schema.get("oneOf", []):
        yield from integer_fields(branch, document, at)
    if schema.get("type") == "integer":
        yield at
    for name, inner in schema.get("properties", {}).items():
        yield from integer_fields(inner, document, f"{at}.{name}" if at else name)
    if "items" in schema and at.count(".") < 4:
        yield from integer_fields(schema["items"], document, f"{at}.0")


def body_with(field: str, raw: str) -> str:
    """A JSON body holding only `raw` at `field` (`a.0.b` nests objects and lists)."""
    text = raw
    for step in reversed(field.split(".")):
        text = f"[{text}]" if step.isdigit() else f'{{"{step}": {text}}}'
    return text


def commands(document: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(method, a path with any ids, integer field) of every JSON command body in the document."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                for field in sorted(set(integer_fields(body["schema"], document))):
                    yield method.upper(), path.replace("{", "").replace("}", ""), field


async def refusals(client: httpx.AsyncClient, document: dict[str, Any]) -> list[str]:
    """What went wrong (empty: every oversized number refused, naming its field); the fields tried first."""
    wrong, tried = [], set()
    for method, path, field in commands(document):
        tried.add(field)
        for name, raw in OVERSIZED.items():
            answer = await client.request(method, path, content=body_with(field, raw), headers=JSON)
            if answer.status_code != 422 or answer.json().get("field") != field:
                wrong.append(f"{method} {path} {field}={name}: {answer.status_code} {answer.text[:200]}")
        largest = await client.request(method, path, content=body_with(field, str(MAX_INT)), headers=JSON)
        if "readers can hold" in largest.text:
            wrong.append(f"{method} {path} {field}={MAX_INT} refused as oversized: {largest.text[:200]}")
    return wrong if wrong else sorted(tried)
