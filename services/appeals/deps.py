"""What the routes need at request time, built once by the composition root."""

import uuid
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Header, Request

from jingzhang.appeals.domain.departments import DepartmentDirectory
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.projections.chiefs import PostgresChiefs
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.shared.clock import Clock
from jingzhang.shared.envelope import Metadata
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore


@dataclass(frozen=True)
class Deps:
    runtime: Runtime
    clock: Clock
    settings: AppealsSettings
    policy: TimeLimits
    directory: DepartmentDirectory

    # The pool and the store exist only once the runtime has started: read them per request.
    @property
    def store(self) -> PostgresEventStore:
        return self.runtime.store

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    @property
    def chiefs(self) -> PostgresChiefs:
        return PostgresChiefs(self.runtime.pool)


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps


def get_meta(
    x_actor: Annotated[str, Header()] = "anonymous", x_correlation_id: Annotated[uuid.UUID | None, Header()] = None
) -> Metadata:
    """Who is asking (real authentication comes later) and the conversation this request belongs to."""
    return Metadata(actor=x_actor, correlation_id=x_correlation_id or uuid.uuid4())
