"""A sample instance of a JSON Schema: the controls for the contract's round-trip and upcasting checks.

Deterministic and small: one item per array, every property filled in (optional ones too, so the
sample exercises them), the first enum value, the first non-null branch of a union. Strings carry a
recognisable marker so a test can tell payload text apart from context attributes.
"""

from typing import Any

from jingzhang.shared.events import JsonDict

SAMPLE_TEXT = "张三-sample"
_FORMATS = {
    "date-time": "2026-03-02T09:30:00+08:00",
    "date": "2026-03-02",
    "time": "09:30:00",
    "duration": "PT2H",
    "uuid": "00000000-0000-4000-8000-000000000001",
    "email": "sample@example.org",
}


def resolve(node: JsonDict, root: JsonDict) -> JsonDict:
    """Follow local `$ref`s (`#/$defs/X`), keeping sibling keywords such as `description`."""
    while "$ref" in node:
        target: Any = root
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def sample(node: JsonDict, root: JsonDict) -> Any:
    node = resolve(node, root)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    if "default" in node and node["default"] is not None:
        return node["default"]
    for key in ("anyOf", "oneOf"):
        if key in node:
            branches = [b for b in node[key] if resolve(b, root).get("type") != "null"] or node[key]
            return sample(branches[0], root)
    return _typed(node, root)


def _typed(node: JsonDict, root: JsonDict) -> Any:
    kind = node.get("type", "object")
    match kind:
        case "object":
            props: JsonDict = node.get("properties", {})
            return {name: sample(prop, root) for name, prop in props.items()}
        case "array":
            if "prefixItems" in node:
                return [sample(item, root) for item in node["prefixItems"]]
            count = max(1, int(node.get("minItems", 1)))
            return [sample(node.get("items", {}), root) for _ in range(count)]
        case "string":
            return _string(node)
        case "integer" | "number":
            return _number(node)
        case "boolean":
            return True
        case "null":
            return None
    raise ValueError(f"no sample for schema type {kind!r}")


def _string(node: JsonDict) -> str:
    if fmt := node.get("format"):
        return _FORMATS.get(str(fmt), SAMPLE_TEXT)
    if "pattern" in node:
        return "sample-1"  # our patterns are id tokens; hand-made controls cover others
    text = SAMPLE_TEXT
    return text[: int(node["maxLength"])] if "maxLength" in node else text


def _number(node: JsonDict) -> int | float:
    low = float(node.get("minimum") or node.get("exclusiveMinimum") or 0)
    top = node.get("maximum", node.get("exclusiveMaximum"))
    high = None if top is None else float(top)
    if node.get("type") == "number" and high is not None:
        return (low + high) / 2
    value = int(low) + 1
    return value if high is None else min(value, int(high))
