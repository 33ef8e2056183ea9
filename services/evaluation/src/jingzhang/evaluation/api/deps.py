"""What routes get from the app: the handlers' dependencies, the actor's metadata, the settings."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from jingzhang.evaluation.domain.period import BUREAU_TZ, FIRST_YEAR, LAST_YEAR
from jingzhang.evaluation.handlers import Deps
from jingzhang.evaluation.projections.audit_queries import PostgresAudit
from jingzhang.evaluation.projections.queries import PostgresFacts
from jingzhang.evaluation.reports import RankingPolicy
from jingzhang.evaluation.settings import EvaluationSettings
from jingzhang.shared.auth.http import CommandMeta
from jingzhang.shared.clock import Clock


@dataclass(frozen=True, slots=True)
class AppDeps:
    """Put on `app.state.deps` by the composition root; the store and pool exist once it has started."""

    settings: EvaluationSettings
    clock: Clock

    @property
    def policy(self) -> RankingPolicy:
        s = self.settings
        return RankingPolicy(s.ranking_weighting, s.ranking_min_rated_appeals, s.ranking_size)


def app_deps(request: Request) -> AppDeps:
    deps: AppDeps = request.app.state.deps
    return deps


def handler_deps(request: Request) -> Deps:
    runtime = request.app.state.runtime
    return Deps(runtime.store, app_deps(request).clock, PostgresFacts(runtime.pool))


def facts_query(request: Request) -> PostgresFacts:
    return PostgresFacts(request.app.state.runtime.pool)


def audit_query(request: Request) -> PostgresAudit:
    return PostgresAudit(request.app.state.runtime.pool)


def aware(at: datetime) -> datetime:
    """A time given without an offset is bureau time."""
    return at if at.tzinfo is not None else at.replace(tzinfo=BUREAU_TZ)


HandlerDeps = Annotated[Deps, Depends(handler_deps)]
SpotCheckId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="The spot check's id")]
"""Ids become stream ids and NATS subject tokens: refused with a 422 here, not a 500 deeper down."""
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="A calendar year, e.g. 2025")]
Settings = Annotated[AppDeps, Depends(app_deps)]
Meta = CommandMeta
"""The authenticated actor (`role:subject`) and the correlation id; auditors are refused."""
Query = Annotated[PostgresFacts, Depends(facts_query)]
Audit = Annotated[PostgresAudit, Depends(audit_query)]
