"""What the routes need at request time, built once by the composition root."""

from dataclasses import dataclass

import asyncpg
from fastapi import Request

from jingzhang.appeals.domain.departments import DepartmentDirectory
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.projections.chiefs import PostgresChiefs
from jingzhang.appeals.settings import AppealsSettings
from jingzhang.shared.clock import Clock
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
