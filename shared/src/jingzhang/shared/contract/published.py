"""The published contract on disk, and the checks that today's models may replace it.

`compat.lock.json` lists every `service/Type.vN` ever published with the SHA-256 of its schema
file. A version stays published after the type moves on: its file is kept, and today's registry
must still read it, through upcasters, which `upcast_breaches` proves by decoding a sample of it.

A version's schema may change compatibly while it stays current (a new optional field); the lock's
`history` keeps the fingerprint of every schema it replaced, and `history/<service>/<Type>.vN/`
the files, so a test can validate today's events against every schema a subscriber may still hold.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jingzhang.shared.contract.catalog import EventEntry
from jingzhang.shared.contract.compat import Breach, breaches
from jingzhang.shared.contract.samples import sample
from jingzhang.shared.events import EventRegistry, JsonDict

LOCK_FILE = "compat.lock.json"
SCHEMAS_DIR = "schemas"
HISTORY_DIR = "history"
# Hand-made corrections to generated samples, keyed `service/Type.vN` (validators a schema cannot say).
Controls = Mapping[str, Callable[[JsonDict], JsonDict]]


def canonical(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def fingerprint(schema: JsonDict) -> str:
    return hashlib.sha256(canonical(schema).encode()).hexdigest()


def split_key(key: str) -> tuple[str, str, int]:
    """`appeals/AppealRaised.v2` -> (`appeals`, `AppealRaised`, 2)."""
    service, rest = key.split("/", 1)
    event_type, version = rest.rsplit(".v", 1)
    return service, event_type, int(version)


def history_path(key: str, print_: str) -> Path:
    """`history/<service>/<Type>.vN/<first 16 hex digits of the fingerprint>.json`."""
    return Path(HISTORY_DIR) / key / f"{print_[:16]}.json"


@dataclass(frozen=True, slots=True)
class Published:
    """What a folder holds: the lock's fingerprints, each listed schema, and the schemas they replaced."""

    fingerprints: dict[str, str]
    schemas: dict[str, JsonDict]
    history: dict[str, dict[str, JsonDict]] = field(default_factory=dict)
    """`key -> fingerprint -> schema`: every earlier schema of a version, oldest first."""

    @classmethod
    def read(cls, folder: Path) -> "Published":
        lock = folder / LOCK_FILE
        if not lock.exists():
            return cls({}, {})
        listed = json.loads(lock.read_text())
        fingerprints: dict[str, str] = listed["published"]
        schemas = {key: json.loads((folder / SCHEMAS_DIR / f"{key}.json").read_text()) for key in fingerprints}
        history = {
            key: {fp: json.loads((folder / history_path(key, fp)).read_text()) for fp in prints}
            for key, prints in listed.get("history", {}).items()
        }
        return cls(fingerprints, schemas, history)

    def every_schema(self, key: str) -> list[JsonDict]:
        """Every schema ever published for `key`, oldest first, today's last."""
        return [*self.history.get(key, {}).values(), *([self.schemas[key]] if key in self.schemas else [])]


def tamper_breaches(published: Published) -> list[Breach]:
    """A published schema file (today's or an earlier one) must still be the one its fingerprint was taken of."""
    found = [
        Breach(key, "schema file differs from its published fingerprint")
        for key, schema in published.schemas.items()
        if fingerprint(schema) != published.fingerprints[key]
    ]
    return found + [
        Breach(f"{key}@{fp[:16]}", "earlier schema file differs from its fingerprint")
        for key, earlier in published.history.items()
        for fp, schema in earlier.items()
        if fingerprint(schema) != fp
    ]


def contract_breaches(
    published: Published,
    current: Mapping[str, EventEntry],
    registries: Mapping[str, EventRegistry],
    controls: Controls | None = None,
) -> list[Breach]:
    """Every way today's models fail the published contract."""
    found = tamper_breaches(published)
    for key, old in sorted(published.schemas.items()):
        found += _one(key, old, current, registries, controls or {})
    for key, earlier in sorted(published.history.items()):
        for fp, schema in earlier.items():
            found += [
                Breach(f"{key}@{fp[:16]}{b.path.removeprefix(key)}", b.reason)
                for b in _one(key, schema, current, registries, controls or {})
            ]
    return found


def _one(
    key: str,
    old: JsonDict,
    current: Mapping[str, EventEntry],
    registries: Mapping[str, EventRegistry],
    controls: Controls,
) -> list[Breach]:
    from jingzhang.shared.contract.wire import envelope_schema

    service, event_type, version = split_key(key)
    registry = registries.get(service)
    if registry is None or event_type not in registry:
        return [Breach(key, "published event type is no longer produced")]
    now = registry.model(event_type).schema_version
    if now == version:
        return [Breach(f"{key}{b.path}", b.reason) for b in breaches(old, envelope_schema(current[key]))]
    if now < version:
        return [Breach(key, f"published v{version} but the model is back at v{now}")]
    return upcast_breaches(key, old, registry, controls)


def upcast_breaches(key: str, old: JsonDict, registry: EventRegistry, controls: Controls) -> list[Breach]:
    """An older published version must still decode (upcast) into today's model."""
    _, event_type, version = split_key(key)
    data = old_sample(key, old, controls)
    try:
        registry.decode(event_type, version, data)
    except ValueError as exc:
        return [Breach(key, f"a v{version} sample no longer decodes: {exc}")]
    return []


def old_sample(key: str, schema: JsonDict, controls: Controls) -> JsonDict:
    data: JsonDict = sample(schema["properties"]["data"], schema)
    fix = controls.get(key)
    return fix(data) if fix else data
