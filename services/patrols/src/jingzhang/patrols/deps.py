"""What routes need at request time, set on `app.state.deps` by the composition root."""

from dataclasses import dataclass

import asyncpg
from fastapi import Request

from jingzhang.patrols.settings import PatrolsSettings
from jingzhang.shared.clock import Clock
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.store.postgres import PostgresEventStore


@dataclass(frozen=True)
class Deps:
    runtime: Runtime
    clock: Clock
    settings: PatrolsSettings

    @property
    def store(self) -> PostgresEventStore:
        """Exists only once the runtime has started, hence read per request."""
        return self.runtime.store

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool


def get_deps(request: Request) -> Deps:
    deps: Deps = request.app.state.deps
    return deps
