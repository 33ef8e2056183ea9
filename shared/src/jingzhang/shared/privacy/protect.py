"""Sealing on append: every `Personal` field of an event is replaced by its token before it is stored.

A model's plan (which fields are personal, which hold nested models) is worked out once per class.
Values that already are tokens (copied from another event) and None are left as they are.
"""

import json
import types
import typing
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from jingzhang.shared.events import DomainEvent
from jingzhang.shared.privacy import tokens
from jingzhang.shared.privacy.errors import PersonErased
from jingzhang.shared.privacy.fields import Personal, PersonalKind
from jingzhang.shared.privacy.keystore import KeyStore


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    name: str
    personal: Personal | None
    nested: bool


@dataclass(slots=True)
class _Slot:
    """One plaintext value and where its token goes in the dumped document."""

    container: dict[str, Any] | list[Any]
    key: Any
    field: str
    kind: PersonalKind
    subject: str
    value: str


def has_personal_data(model: type[BaseModel]) -> bool:
    return bool(_plan(model))


@cache
def _plan(model: type[BaseModel]) -> tuple[_FieldPlan, ...]:
    plan = []
    for name, info in model.model_fields.items():
        marker = next((m for m in info.metadata if isinstance(m, Personal)), None)
        if marker is not None:
            _check_personal_field(model, name, info)
            plan.append(_FieldPlan(name, marker, nested=False))
        elif any(_plan(inner) for inner in _models_in(info.annotation)):
            plan.append(_FieldPlan(name, None, nested=True))
    return tuple(plan)


def _check_personal_field(model: type[BaseModel], name: str, info: FieldInfo) -> None:
    where = f"{model.__name__}.{name}"
    if info.annotation not in (str, str | None, list[str], list[str] | None):
        raise TypeError(f"{where}: a Personal field must be str, str | None or list[str], not {info.annotation}")
    for constraint in info.metadata:
        if getattr(constraint, "max_length", None) is not None or getattr(constraint, "pattern", None) is not None:
            # the stored value is a token: such a constraint would fail when the event is read back
            raise TypeError(f"{where}: a Personal field cannot carry max_length or pattern; check them on the command")


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, Union, types.UnionType) or (origin is not None and issubclass(origin, Sequence)):
        for arg in typing.get_args(annotation):
            yield from _models_in(arg)


class Protector:
    """Serialises event payloads for the store with their personal values sealed."""

    def __init__(self, keys: KeyStore) -> None:
        self.keys = keys

    async def serialise(self, payloads: Sequence[DomainEvent]) -> list[str]:
        documents: list[str | dict[str, Any]] = []
        slots: list[_Slot] = []
        for payload in payloads:
            if not has_personal_data(type(payload)):
                documents.append(payload.model_dump_json())
                continue
            data = payload.model_dump(mode="json")
            slots.extend(_collect(payload, data, ChainMap({})))
            documents.append(data)
        if slots:
            await self._seal(slots)
        return [d if isinstance(d, str) else json.dumps(d, ensure_ascii=False) for d in documents]

    async def _seal(self, slots: list[_Slot]) -> None:
        try:
            keys = await self.keys.get_or_create_many({slot.subject for slot in slots})
        except PersonErased as exc:
            field = next(slot.field for slot in slots if slot.subject == exc.subject)
            raise PersonErased(exc.subject, field=field) from None
        for slot in slots:
            slot.container[slot.key] = tokens.seal(keys[slot.subject], slot.kind, slot.subject, slot.value)


def _collect(model: BaseModel, data: dict[str, Any], outer: ChainMap[str, Any]) -> Iterator[_Slot]:
    scope = outer.new_child(dict(model))
    for step in _plan(type(model)):
        value = getattr(model, step.name)
        if step.personal is not None:
            yield from _slots(step, value, data, scope)
        else:
            yield from _nested(value, data[step.name], scope)


def _slots(step: _FieldPlan, value: Any, data: dict[str, Any], scope: Mapping[str, Any]) -> Iterator[_Slot]:
    assert step.personal is not None
    if value is None:
        return
    subject = step.personal.subject_for(scope)
    kind = step.personal.kind
    if isinstance(value, str):
        if tokens.parse(value) is None:
            yield _Slot(data, step.name, step.name, kind, subject, value)
        return
    for index, item in enumerate(value):
        if tokens.parse(item) is None:
            yield _Slot(data[step.name], index, f"{step.name}[{index}]", kind, subject, item)


def _nested(value: Any, data: Any, scope: ChainMap[str, Any]) -> Iterator[_Slot]:
    if isinstance(value, BaseModel):
        yield from _collect(value, data, scope)
    elif isinstance(value, list | tuple):
        for item, item_data in zip(value, data, strict=True):
            yield from _nested(item, item_data, scope)
