"""What routes get from the app: handler dependencies and the pool (the caller's metadata is `CommandMeta`).

The event store and pool exist only once the runtime has started, so they are looked up per request.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from jingzhang.assignment.handlers import Deps
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.errors import InvalidCommand
from jingzhang.shared.http import CommandAccepted

C = TypeVar("C", bound=BaseModel)


def get_deps(request: Request) -> Deps:
    factory: Callable[[Any], Deps] = request.app.state.deps_for
    return factory(request.app.state.runtime)


def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


HandlerDeps = Annotated[Deps, Depends(get_deps)]
Pool = Annotated[asyncpg.Pool, Depends(get_pool)]


def command(model: type[C], **fields: object) -> C:
    """Build a command; a path value that breaks its shape is a 422 naming the field."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise InvalidCommand(error["msg"], field=field) from exc


def accepted(ident: str, decided: Decided[Any]) -> CommandAccepted:
    events: Sequence[BaseModel] = decided.events
    return CommandAccepted(id=ident, version=decided.version, events=[type(e).__name__ for e in events])
