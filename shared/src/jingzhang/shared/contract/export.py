"""`jingzhang contract export`: write the contract folder, refusing changes that would break subscribers.

The folder holds `asyncapi.json` / `asyncapi.yaml`, `schemas/<service>/<EventType>.v<N>.json`, the
schemas those replaced under `history/`, `compat.lock.json`, and `openapi/<service>.json` (each
service's HTTP API). Exporting over an existing folder first checks today's models against what it
published; an incompatible change is refused (bump the type's `schema_version` and register an
upcaster), so running the export cannot launder a breaking change into the lock. The same holds for
the OpenAPI documents (`contract.openapi`): a breaking change to an HTTP API needs a new path.
"""

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from jingzhang.shared.contract.asyncapi import document
from jingzhang.shared.contract.catalog import EventEntry, ServiceContract, check_catalog, entries
from jingzhang.shared.contract.compat import Breach
from jingzhang.shared.contract.controls import CONTROLS
from jingzhang.shared.contract.openapi import folder_breaches
from jingzhang.shared.contract.published import (
    LOCK_FILE,
    SCHEMAS_DIR,
    Published,
    canonical,
    contract_breaches,
    fingerprint,
    history_path,
)
from jingzhang.shared.contract.wire import envelope_schema
from jingzhang.shared.contract.yaml_text import dump
from jingzhang.shared.events import EventRegistry, JsonDict

OPENAPI_DIR = "openapi"


class ContractBroken(Exception):
    def __init__(self, breaches: list[Breach]) -> None:
        self.breaches = breaches
        listed = "\n".join(f"  {b}" for b in breaches)
        super().__init__(
            f"incompatible change to the published event contract:\n{listed}\n"
            "Give the event type a new schema_version and register an upcaster from the old one."
        )


def current_entries(contracts: tuple[ServiceContract, ...]) -> dict[str, EventEntry]:
    return {e.key: e for e in entries(contracts)}


def registries(contracts: tuple[ServiceContract, ...]) -> dict[str, EventRegistry]:
    return {c.service: c.registry for c in contracts}


def export(
    target: Path, contracts: tuple[ServiceContract, ...], apis: Mapping[str, JsonDict] | None = None
) -> list[Path]:
    """Write the contract into `target` (and each service's OpenAPI document of `apis` into `openapi/`);
    returns the files written. Raises `ContractBroken`, writing nothing, on an incompatible change."""
    check_catalog(contracts)
    current = current_entries(contracts)
    published = Published.read(target)
    found = contract_breaches(published, current, registries(contracts), CONTROLS)
    if apis is not None:
        found += folder_breaches(_published_apis(target), dict(apis))
    if found:
        raise ContractBroken(found)
    written = [_write(target / OPENAPI_DIR / f"{s}.json", _json(doc)) for s, doc in sorted((apis or {}).items())]
    schemas = {key: envelope_schema(entry) for key, entry in current.items()}
    fingerprints = {**published.fingerprints, **{k: fingerprint(s) for k, s in schemas.items()}}
    history = _history(published, fingerprints)
    written += [_write(target / SCHEMAS_DIR / f"{key}.json", canonical(schema)) for key, schema in schemas.items()]
    written += [
        _write(target / history_path(key, fp), canonical(schema))
        for key, earlier in history.items()
        for fp, schema in earlier.items()
        if not (target / history_path(key, fp)).exists()
    ]
    _remove_unlisted(target / SCHEMAS_DIR, set(fingerprints))
    doc = document(contracts, contract_version(fingerprints), CONTROLS)
    written.append(_write(target / "asyncapi.json", _json(doc)))
    written.append(_write(target / "asyncapi.yaml", dump(doc)))
    written.append(_write(target / LOCK_FILE, canonical(_lock(fingerprints, history, current))))
    return written


def _history(published: Published, fingerprints: dict[str, str]) -> dict[str, dict[str, JsonDict]]:
    """The earlier schemas, plus each published one that today's replaces (a compatible change)."""
    history = {key: dict(earlier) for key, earlier in published.history.items()}
    for key, schema in published.schemas.items():
        old = published.fingerprints[key]
        if fingerprints[key] != old:
            history.setdefault(key, {})[old] = schema
    return history


def _json(doc: JsonDict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _published_apis(target: Path) -> dict[str, JsonDict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((target / OPENAPI_DIR).glob("*.json"))}


def contract_version(fingerprints: dict[str, str]) -> str:
    """Changes whenever any published schema does; subscribers can compare it cheaply."""
    digest = hashlib.sha256(canonical(fingerprints).encode()).hexdigest()
    return f"1.0.0+{digest[:12]}"


def _lock(
    fingerprints: dict[str, str], history: dict[str, dict[str, JsonDict]], current: dict[str, EventEntry]
) -> JsonDict:
    return {
        "about": "Published event schemas (sha256 of each file under schemas/), and of every earlier schema of"
        " the same version (files under history/, oldest first). Kept in step by tests/contract; regenerate"
        " with `jingzhang contract export`.",
        "published": dict(sorted(fingerprints.items())),
        "history": {key: list(earlier) for key, earlier in sorted(history.items())},
        "current": sorted(current),
    }


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _remove_unlisted(folder: Path, keys: set[str]) -> None:
    for path in folder.glob("*/*.json"):
        if f"{path.parent.name}/{path.stem}" not in keys:
            path.unlink()
