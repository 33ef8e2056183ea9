"""`GET /privacy/reads`: who read whose personal data unmasked, when, through which route and why
(bureau and auditors); and `X-Purpose`, the header in which a caller states why it reads.

`build_app` mounts the router on every service (each records the reads of its own responses) and
puts `stated_purpose` before every route.
"""

import unicodedata
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from jingzhang.shared.auth.http import require_roles
from jingzhang.shared.auth.principal import Role
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.privacy.fields import SUBJECT_PATTERN
from jingzhang.shared.privacy.reads import MAX_PURPOSE, reads_page

PURPOSE_HEADER = "X-Purpose"
PURPOSE_DESCRIPTION = (
    "Why you read (PIPL): recorded with every person whose data the response shows unmasked; UTF-8,"
    f" at most {MAX_PURPOSE} characters. Default: the route."
)


PURPOSE_PARAMETER: dict[str, Any] = {
    "name": PURPOSE_HEADER.lower(),
    "in": "header",
    "required": False,
    "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": PURPOSE_DESCRIPTION,
        "examples": ["appeal follow-up"],
        "title": PURPOSE_HEADER,
    },
    "description": PURPOSE_DESCRIPTION,
}
"""`X-Purpose` in the OpenAPI document of every route behind the edge: read from the request's headers
by `stated_purpose` rather than declared as a parameter, which FastAPI would look up and validate again
on every request."""


async def stated_purpose(request: Request) -> None:  # async: a plain function would run in the thread pool
    """The caller's stated purpose (`X-Purpose`), checked, on `request.state.purpose`; none stated, nothing."""
    raw = request.headers.get(PURPOSE_HEADER)
    if raw is not None:
        request.state.purpose = purpose_text(raw)


def purpose_text(raw: str) -> str:
    try:  # HTTP headers arrive as latin-1; a purpose in Chinese was sent as UTF-8 bytes
        text = raw.encode("latin-1").decode("utf-8").strip()
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise InvalidCommand(f"{PURPOSE_HEADER}: not UTF-8 text", field=PURPOSE_HEADER) from None
    if not text:
        raise InvalidCommand(f"{PURPOSE_HEADER}: blank; leave the header out to state the route", field=PURPOSE_HEADER)
    if len(text) > MAX_PURPOSE:
        raise InvalidCommand(f"{PURPOSE_HEADER}: more than {MAX_PURPOSE} characters", field=PURPOSE_HEADER)
    if any(unicodedata.category(c).startswith("C") for c in text):
        raise InvalidCommand(f"{PURPOSE_HEADER}: control characters", field=PURPOSE_HEADER)
    return text


class PersonalReadView(BaseModel):
    read_at: datetime
    reader: str = Field(description="Who read: `role:token subject`")
    role: str | None
    subject: str = Field(description="Whose data: `officer/<id>`, `contact/<enterprise id>`")
    kinds: list[str] = Field(description="Which kinds were shown unmasked (never the values)")
    route: str
    purpose: str


class PersonalReads(BaseModel):
    reads: list[PersonalReadView]
    next: int | None = Field(description="Pass as `after` for the next (older) page; null on the last")


def reads_router() -> APIRouter:
    router = APIRouter(prefix="/privacy", tags=["privacy"])
    readers = [Depends(require_roles(Role.BUREAU, Role.AUDITOR, what="reading the personal-data read log"))]

    @router.get("/reads", summary="Who read whose personal data unmasked, newest first", dependencies=readers)
    async def personal_reads(
        request: Request,
        subject: Annotated[str | None, Query(pattern=SUBJECT_PATTERN.pattern, max_length=400)] = None,
        reader: Annotated[str | None, Query(min_length=1, max_length=400, description="`role:subject`")] = None,
        after: Annotated[int | None, Query(ge=1, description="The `next` of the previous page")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> PersonalReads:
        page = await reads_page(
            request.app.state.runtime.pool, subject=subject, reader=reader, before=after, limit=limit
        )
        views = [PersonalReadView(**{**vars_of(read), "kinds": list(read.kinds)}) for _, read in page.reads]
        return PersonalReads(reads=views, next=page.next)

    return router


def vars_of(read: object) -> dict[str, object]:
    return {name: getattr(read, name) for name in PersonalReadView.model_fields}
