"""RFC 9457 problem details: the one shape of every error answer, `application/problem+json`.

`type` names the kind of problem with a stable URI, `PROBLEM_TYPES` + `code` (an identifier: clients
compare it, they need not fetch it). Where the kind says no more than the HTTP status (the code is
the status phrase: `not_found`, `method_not_allowed`, `forbidden`), `type` is `about:blank` and
`title` the status phrase, as RFC 9457 §4.2.1 asks. `title` is the same for every occurrence of a
type; `detail` says what went wrong this time. `field` (the input at fault, or null) and `code` are
extension members that clients read, unchanged from before the switch to problem details.
"""

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import JSONResponse
from starlette.types import Scope

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPES = "https://jingzhang.example/problems/"
BLANK = "about:blank"

TITLES = {
    "invalid": "Invalid input",
    "rejected": "Refused by the current state",
    "stale_version": "Stale expected version",
    "unauthenticated": "No valid bearer token",
    "too_large": "Request body too large",
    "keystore_unavailable": "Personal data unavailable",
    "person_erased": "Person erased",
    "not_ready": "Service not ready",
}
"""Titles of the kinds the kernel raises; a domain's own codes (`already_rated`) read as they are."""


class Problem(BaseModel):
    """An error answer (RFC 9457): what kind of problem, its status, what went wrong, and which input."""

    type: str = Field(description=f"The kind of problem: `{PROBLEM_TYPES}<code>`, or `{BLANK}` for a bare status")
    title: str = Field(description="The kind in words, the same for every occurrence")
    status: int = Field(description="The HTTP status code of this answer")
    detail: str = Field(description="What went wrong this time")
    instance: str | None = Field(default=None, description="The request path that failed")
    field: str | None = Field(default=None, description="The input at fault (`body`, `members.0.name`, ...)")
    code: str = Field(description="The kind as a short word, for programs (`not_found`, `stale_version`, ...)")


def status_code_word(status: int) -> str:
    """The status phrase as a code: 404 -> `not_found`."""
    return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")


def problem_type(code: str, status: int) -> str:
    return BLANK if code == status_code_word(status) else PROBLEM_TYPES + code


def problem_title(code: str, status: int) -> str:
    if problem_type(code, status) == BLANK:
        return HTTPStatus(status).phrase
    return TITLES.get(code) or code.replace("_", " ").capitalize()


def instance_of(scope: Scope) -> str | None:
    """The path that was asked for, as sent (percent-encoded), without the query (ASGI paths include the root)."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else scope.get("path")
    return str(path) if path else None


def problem_body(
    status: int, detail: str, code: str, field: str | None = None, *, instance: str | None = None
) -> dict[str, Any]:
    problem = Problem(
        type=problem_type(code, status),
        title=problem_title(code, status),
        status=status,
        detail=detail,
        instance=instance,
        field=field,
        code=code,
    )
    return problem.model_dump()


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    detail: str,
    code: str,
    field: str | None = None,
    *,
    scope: Scope | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """The answer for one problem; `scope` gives its `instance`, `extensions` any members of its own."""
    instance = None if scope is None else instance_of(scope)
    body = problem_body(status, detail, code, field, instance=instance) | extensions
    return ProblemResponse(status_code=status, content=body, headers=headers)
