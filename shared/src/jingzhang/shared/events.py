"""Event payloads, their registry and upcasters.

A payload is a frozen pydantic model with a stable `event_type` name and a `schema_version`.
Stored and published events keep the version they were written with; readers upcast old
versions step by step (v1 -> v2 -> ...) before validating against the current model.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from jingzhang.shared.errors import UnknownEventType

JsonDict = dict[str, Any]
Upcaster = Callable[[JsonDict], JsonDict]


class DomainEvent(BaseModel):
    """Base of every event payload. Subclasses set `event_type` (past tense) and may bump `schema_version`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__


class EventDecodeError(ValueError):
    """A stored or received payload that does not match its registered model."""


class EventRegistry:
    """Maps type names to payload models and runs upcasters from older schema versions."""

    def __init__(self, models: Iterable[type[DomainEvent]] = ()) -> None:
        self._models: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        for model in models:
            self.register(model)

    def register(self, model: type[DomainEvent]) -> type[DomainEvent]:
        known = self._models.get(model.event_type)
        if known is not None and known is not model:
            raise ValueError(f"event type {model.event_type!r} is registered twice")
        self._models[model.event_type] = model
        return model

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register `fn` turning a `from_version` payload of `event_type` into `from_version + 1`."""

        def wrap(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return wrap

    def merge(self, *others: "EventRegistry") -> "EventRegistry":
        """One registry of every model and upcaster; as tolerant as the most tolerant of them (a service's
        own events merged with its readers of others' still decodes their undeclared types to `Unread`)."""
        registries = (self, *others)
        kind = next((type(r) for r in registries if type(r) is not EventRegistry), EventRegistry)
        merged = kind()
        for registry in registries:
            for model in registry._models.values():
                merged.register(model)
            merged._upcasters.update(registry._upcasters)
        return merged

    def __contains__(self, event_type: object) -> bool:
        return event_type in self._models

    @property
    def models(self) -> Mapping[str, type[DomainEvent]]:
        return self._models

    def model(self, event_type: str) -> type[DomainEvent]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(f"no model registered for event type {event_type!r}") from None

    def decode(self, event_type: str, schema_version: int, data: JsonDict) -> DomainEvent:
        model = self.model(event_type)
        if schema_version > model.schema_version:
            raise EventDecodeError(
                f"{event_type} v{schema_version} is newer than this build understands (v{model.schema_version})"
            )
        for version in range(schema_version, model.schema_version):
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise EventDecodeError(f"no upcaster for {event_type} v{version} -> v{version + 1}")
            data = step(dict(data))
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise EventDecodeError(f"{event_type} v{schema_version}: {exc}") from exc

    def json_schemas(self) -> dict[str, JsonDict]:
        """One JSON Schema per event type, keyed `Type.vN`."""
        return {
            f"{name}.v{model.schema_version}": model.model_json_schema() for name, model in sorted(self._models.items())
        }
