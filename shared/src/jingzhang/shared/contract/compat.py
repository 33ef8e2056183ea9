"""Is a new JSON Schema of an event type still readable by its consumers? Pure functions over two schemas.

The rules, for one `Type.vN` published before (old) and built from today's model (new):
- a required field may not disappear (a rename is a removal plus an addition) nor become optional;
- a field may not change type (JSON type, `format`, `const`, union branches);
- a new required field (one without a default) breaks reading old events, so it is refused;
- an optional field may not disappear while the object forbids extra properties: stored events
  that carry it would no longer validate;
- an enum may gain values but not lose any;
- bounds may widen but not tighten (`minimum` up, `maximum` / `maxLength` down, a new `pattern`).
Anything else (new optional fields, descriptions, titles) is compatible. A breaking change needs a
new `schema_version` and an upcaster; see `jingzhang.shared.contract.published`.
"""

from dataclasses import dataclass
from typing import Any

from jingzhang.shared.contract.samples import resolve
from jingzhang.shared.events import JsonDict


@dataclass(frozen=True, slots=True)
class Breach:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.reason}"


def breaches(old: JsonDict, new: JsonDict) -> list[Breach]:
    """Every incompatibility of `new` against `old` (both root schemas with their own `$defs`)."""
    return _Walk(old, new).node(old, new, "")


def schema_breaches(old: JsonDict, new: JsonDict, roots: tuple[JsonDict, JsonDict], path: str) -> list[Breach]:
    """`breaches` of two schemas inside larger documents (`roots`: where their `$ref`s point, e.g. OpenAPI's)."""
    return _Walk(*roots).node(old, new, path)


@dataclass
class _Walk:
    old_root: JsonDict
    new_root: JsonDict

    def node(self, old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
        old, new = resolve(old, self.old_root), resolve(new, self.new_root)
        old_branches, new_branches = _branches(old, self.old_root), _branches(new, self.new_root)
        old_sigs, new_sigs = [signature(b) for b in old_branches], [signature(b) for b in new_branches]
        if sorted(old_sigs) != sorted(new_sigs):
            return [Breach(path, f"type changed from {_show(old_sigs)} to {_show(new_sigs)}")]
        pairs = zip(sorted(old_branches, key=signature), sorted(new_branches, key=signature), strict=True)
        return [b for o, n in pairs for b in self.same_kind(o, n, path)]

    def same_kind(self, old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
        found = enum_breaches(old, new, path) + const_breaches(old, new, path) + bound_breaches(old, new, path)
        if "properties" in old or "properties" in new:
            found += self.object(old, new, path)
        if isinstance(old.get("additionalProperties"), dict) and isinstance(new.get("additionalProperties"), dict):
            found += self.node(old["additionalProperties"], new["additionalProperties"], f"{path}/*")
        found += self.array(old, new, path)
        return found

    def object(self, old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
        found = field_breaches(old, new, path)
        old_props: JsonDict = old.get("properties", {})
        new_props: JsonDict = new.get("properties", {})
        for name in sorted(old_props.keys() & new_props.keys()):
            found += self.node(old_props[name], new_props[name], f"{path}/{name}")
        return found

    def array(self, old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
        old_prefix, new_prefix = old.get("prefixItems", []), new.get("prefixItems", [])
        if len(old_prefix) != len(new_prefix):
            return [Breach(path, f"tuple length changed from {len(old_prefix)} to {len(new_prefix)}")]
        found = [
            b
            for i, (o, n) in enumerate(zip(old_prefix, new_prefix, strict=True))
            for b in self.node(o, n, f"{path}/{i}")
        ]
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            found += self.node(old["items"], new["items"], f"{path}/[]")
        return found


def _branches(node: JsonDict, root: JsonDict) -> list[JsonDict]:
    """A union's branches (resolved), or the node itself; `type: [a, b]` counts as a union too."""
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [b for branch in node[key] for b in _branches(resolve(branch, root), root)]
    if isinstance(node.get("type"), list):
        return [{**node, "type": t} for t in node["type"]]
    return [node]


def signature(node: JsonDict) -> str:
    """What kind of value a branch accepts, ignoring the details compared separately (enum values, fields)."""
    kind = node.get("type")
    if kind is None:
        kind = "enum" if "enum" in node else ("object" if "properties" in node else "any")
    if "const" in node:
        return f"{kind}:const"
    return f"{kind}:{node['format']}" if "format" in node else str(kind)


def field_breaches(old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    old_props, new_props = set(old.get("properties", {})), set(new.get("properties", {}))
    found = [Breach(f"{path}/{f}", "required field removed or renamed") for f in sorted(old_required - new_props)]
    found += [
        Breach(f"{path}/{f}", "required field became optional") for f in sorted(old_required & new_props - new_required)
    ]
    found += [
        Breach(f"{path}/{f}", "new required field without a default") for f in sorted(new_required - old_required)
    ]
    if new.get("additionalProperties") is False:
        found += [
            Breach(f"{path}/{f}", "optional field removed: stored events carrying it would be refused")
            for f in sorted(old_props - old_required - new_props)
        ]
    return found


def enum_breaches(old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
    if "enum" not in new:
        return []
    if "enum" not in old:
        return [Breach(path, f"restricted to the enum {new['enum']}")]
    lost = [v for v in old["enum"] if v not in new["enum"]]
    return [Breach(path, f"enum lost values {lost}")] if lost else []


def const_breaches(old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
    if "const" in old and old.get("const") != new.get("const"):
        return [Breach(path, f"constant changed from {old['const']!r} to {new.get('const')!r}")]
    return []


_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")


def bound_breaches(old: JsonDict, new: JsonDict, path: str) -> list[Breach]:
    found = [Breach(path, f"{k} raised to {new[k]}") for k in _LOWER_BOUNDS if _tighter(old.get(k), new.get(k), 1)]
    found += [Breach(path, f"{k} lowered to {new[k]}") for k in _UPPER_BOUNDS if _tighter(old.get(k), new.get(k), -1)]
    if "pattern" in new and new["pattern"] != old.get("pattern"):
        found.append(Breach(path, f"pattern changed to {new['pattern']!r}"))
    return found


def _tighter(old: Any, new: Any, direction: int) -> bool:
    if new is None:
        return False
    return old is None or (new - old) * direction > 0


def _show(signatures: list[str]) -> str:
    return " | ".join(sorted(signatures)) or "nothing"
