"""The erasure API: `POST /privacy/erasures` erases a data subject, `GET /privacy/erasures/{subject}` reads it.

Who may erase is the auth layer's to decide: pass its checks as `dependencies`.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from jingzhang.shared.clock import Clock
from jingzhang.shared.errors import NotFound
from jingzhang.shared.privacy.fields import SUBJECT_PATTERN
from jingzhang.shared.privacy.keystore import KeyStore, Tombstone

SubjectText = Annotated[
    str,
    Field(
        pattern=SUBJECT_PATTERN.pattern,
        max_length=400,
        description="The data subject: `officer/<officer id>`, `contact/<enterprise id>`, ...",
        examples=["officer/o-017"],
    ),
]


class EraseRequest(BaseModel):
    subject: SubjectText


class Erasure(BaseModel):
    """An erasure's tombstone: the subject's key is destroyed; who did it and when remain."""

    subject: str
    erased_at: datetime
    erased_by: str

    @classmethod
    def of(cls, tombstone: Tombstone) -> "Erasure":
        return cls(subject=tombstone.subject, erased_at=tombstone.erased_at, erased_by=tombstone.erased_by)


def actor_of(request: Request) -> str:
    """The authenticated actor (`role:subject`) when the auth layer set a principal, else `anonymous`."""
    actor = getattr(getattr(request.state, "principal", None), "actor", None)
    return actor if isinstance(actor, str) and actor else "anonymous"


def privacy_router(
    keys: Callable[[Request], KeyStore],
    clock: Clock,
    dependencies: Sequence[Any] = (),
    erase_dependencies: Sequence[Any] = (),
    read_dependencies: Sequence[Any] = (),
) -> APIRouter:
    """`keys` finds the key store for a request (e.g. `lambda r: r.app.state.runtime.keystore`);
    `dependencies` guard both routes, `erase_dependencies` the erasure, `read_dependencies` the read."""
    router = APIRouter(prefix="/privacy", tags=["privacy"], dependencies=list(dependencies))

    def keystore(request: Request) -> KeyStore:
        return keys(request)

    KeysDep = Annotated[KeyStore, Depends(keystore)]

    @router.post(
        "/erasures",
        summary="Erase a data subject: destroy their key, for good",
        dependencies=list(erase_dependencies),
    )
    async def erase(body: EraseRequest, request: Request, store: KeysDep) -> Erasure:
        return Erasure.of(await store.erase(body.subject, actor_of(request), clock.now()))

    @router.get(
        "/erasures/{subject:path}",
        summary="The erasure of a data subject, if erased",
        dependencies=list(read_dependencies),
    )
    async def erasure(subject: Annotated[SubjectText, Path()], store: KeysDep) -> Erasure:
        tombstone = await store.erasure(subject)
        if tombstone is None:
            raise NotFound("erasure of", subject)
        return Erasure.of(tombstone)

    return router
