"""Each service's HTTP API as an OpenAPI document, and the check that a new one keeps its callers working.

`contract export` writes `openapi/<service>.json` and, over a folder that already holds one, refuses a
document that would break a client of the one before. Pure functions over two documents:
- a path, or an operation (method) on it, may not disappear;
- a parameter may not disappear, become required, or narrow its type (enum values, bounds, types:
  the event rules of `compat`), and a new required parameter breaks every caller;
- a request body may not gain a required field or narrow a field's type;
- a success response may not disappear, and its body may not lose a field (required or not) nor
  change a field's type.
Anything else (new paths, operations, optional parameters, response fields, error responses) is
compatible.
"""

from jingzhang.shared.contract.compat import Breach, schema_breaches
from jingzhang.shared.contract.samples import resolve
from jingzhang.shared.events import JsonDict

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
JSON = "application/json"


def api_breaches(old: JsonDict, new: JsonDict) -> list[Breach]:
    """Every way `new` would break a client written against `old`."""
    found: list[Breach] = []
    new_paths: JsonDict = new.get("paths", {})
    for path, old_item in sorted(old.get("paths", {}).items()):
        if path not in new_paths:
            found.append(Breach(path, "path removed"))
            continue
        for method in METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_paths[path]:
                found.append(Breach(where, "operation removed"))
                continue
            found += _Operation(old, new, where).compare(old_item[method], new_paths[path][method])
    return found


class _Operation:
    def __init__(self, old_doc: JsonDict, new_doc: JsonDict, where: str) -> None:
        self.roots = (old_doc, new_doc)
        self.where = where

    def compare(self, old: JsonDict, new: JsonDict) -> list[Breach]:
        return self.parameters(old, new) + self.body(old, new) + self.responses(old, new)

    def parameters(self, old: JsonDict, new: JsonDict) -> list[Breach]:
        olds, news = self._params(old, self.roots[0]), self._params(new, self.roots[1])
        found = [Breach(f"{self.where} {name}", "parameter removed") for name in sorted(olds.keys() - news.keys())]
        for name, param in sorted(news.items()):
            before = olds.get(name)
            if before is None:
                if param.get("required"):
                    found.append(Breach(f"{self.where} {name}", "new required parameter"))
                continue
            if param.get("required") and not before.get("required"):
                found.append(Breach(f"{self.where} {name}", "parameter became required"))
            found += self._schema(before.get("schema", {}), param.get("schema", {}), f"{self.where} {name}")
        return found

    def body(self, old: JsonDict, new: JsonDict) -> list[Breach]:
        before, after = _json_schema(old.get("requestBody")), _json_schema(new.get("requestBody"))
        if before is None or after is None:
            return [] if before is None else [Breach(f"{self.where} body", "JSON request body removed")]
        found = self._schema(before, after, f"{self.where} body")
        return [b for b in found if "became optional" not in b.reason]  # a caller may still send it

    def responses(self, old: JsonDict, new: JsonDict) -> list[Breach]:
        found: list[Breach] = []
        new_responses: JsonDict = new.get("responses", {})
        for status, response in sorted(old.get("responses", {}).items()):
            if not str(status).startswith("2"):
                continue
            where = f"{self.where} -> {status}"
            if status not in new_responses:
                found.append(Breach(where, "success response removed"))
                continue
            before, after = _json_schema(response), _json_schema(new_responses[status])
            if before is None or after is None:
                found += [] if before is None else [Breach(where, "JSON response body removed")]
                continue
            found += self._fields_kept(before, after, where)
            found += [b for b in self._schema(before, after, where) if not _narrower_answer(b)]
        return found

    def _fields_kept(self, old: JsonDict, new: JsonDict, where: str) -> list[Breach]:
        old, new = resolve(old, self.roots[0]), resolve(new, self.roots[1])
        if old.get("type") == "array" and new.get("type") == "array":
            return self._fields_kept(old.get("items", {}), new.get("items", {}), f"{where}/[]")
        gone = set(old.get("properties", {})) - set(new.get("properties", {}))
        return [Breach(f"{where}/{name}", "response field removed") for name in sorted(gone)]

    def _schema(self, old: JsonDict, new: JsonDict, where: str) -> list[Breach]:
        return schema_breaches(old, new, self.roots, where)

    @staticmethod
    def _params(operation: JsonDict, root: JsonDict) -> dict[str, JsonDict]:
        params = (resolve(p, root) for p in operation.get("parameters", []))
        return {f"{p['in']}:{p['name']}": p for p in params}


def _narrower_answer(breach: Breach) -> bool:
    """What would break a sender but not a reader: an answer may always say more, or say it more narrowly."""
    return breach.reason.startswith(
        ("new required field", "enum lost", "restricted to", "pattern", "min", "max", "exclusive")
    )


def _json_schema(holder: JsonDict | None) -> JsonDict | None:
    if not holder:
        return None
    content: JsonDict = holder.get("content", {})
    media = content.get(JSON) or content.get("application/problem+json")
    return None if media is None else media.get("schema")


def folder_breaches(published: dict[str, JsonDict], documents: dict[str, JsonDict]) -> list[Breach]:
    """Every service's new document against the one published before; a published service must remain."""
    found = [
        Breach(f"openapi/{s}", "service's API no longer published") for s in sorted(published) if s not in documents
    ]
    for service, old in sorted(published.items()):
        if service in documents:
            found += [Breach(f"openapi/{service}: {b.path}", b.reason) for b in api_breaches(old, documents[service])]
    return found
