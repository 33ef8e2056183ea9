"""`jingzhang contract export`: write the contract folder, refusing changes that would break subscribers.

The folder holds `asyncapi.json` / `asyncapi.yaml`, `schemas/<service>/<EventType>.v<N>.json` and
`compat.lock.json`. Exporting over an existing folder first checks today's models against what it
published; an incompatible change is refused (bump the type's `schema_version` and register an
upcaster), so running the export cannot launder a breaking change into the lock.
"""

import hashlib
import json
from pathlib import Path

from jingzhang.shared.contract.asyncapi import document
from jingzhang.shared.contract.catalog import EventEntry, ServiceContract, check_catalog, entries
from jingzhang.shared.contract.compat import Breach
from jingzhang.shared.contract.controls import CONTROLS
from jingzhang.shared.contract.published import (
    LOCK_FILE,
    SCHEMAS_DIR,
    Published,
    canonical,
    contract_breaches,
    fingerprint,
)
from jingzhang.shared.contract.wire import envelope_schema
from jingzhang.shared.contract.yaml_text import dump
from jingzhang.shared.events import EventRegistry, JsonDict


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


def export(target: Path, contracts: tuple[ServiceContract, ...]) -> list[Path]:
    """Write the contract into `target`; returns the files written. Raises `ContractBroken`."""
    check_catalog(contracts)
    current = current_entries(contracts)
    published = Published.read(target)
    found = contract_breaches(published, current, registries(contracts), CONTROLS)
    if found:
        raise ContractBroken(found)
    schemas = {key: envelope_schema(entry) for key, entry in current.items()}
    fingerprints = {**published.fingerprints, **{k: fingerprint(s) for k, s in schemas.items()}}
    written = [_write(target / SCHEMAS_DIR / f"{key}.json", canonical(schema)) for key, schema in schemas.items()]
    _remove_unlisted(target / SCHEMAS_DIR, set(fingerprints))
    doc = document(contracts, contract_version(fingerprints))
    written.append(_write(target / "asyncapi.json", json.dumps(doc, ensure_ascii=False, indent=2) + "\n"))
    written.append(_write(target / "asyncapi.yaml", dump(doc)))
    written.append(_write(target / LOCK_FILE, canonical(_lock(fingerprints, current))))
    return written


def contract_version(fingerprints: dict[str, str]) -> str:
    """Changes whenever any published schema does; subscribers can compare it cheaply."""
    digest = hashlib.sha256(canonical(fingerprints).encode()).hexdigest()
    return f"1.0.0+{digest[:12]}"


def _lock(fingerprints: dict[str, str], current: dict[str, EventEntry]) -> JsonDict:
    return {
        "about": "Published event schemas (sha256 of each file under schemas/). Kept in step by"
        " tests/contract; regenerate with `jingzhang contract export`.",
        "published": dict(sorted(fingerprints.items())),
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
