"""The composition root: settings, clock, ids, the projections (facts, audit trail, access), the handlers'
dependencies and the HTTP routes, on the shared runtime."""

from collections.abc import Sequence

from fastapi import FastAPI

from jingzhang.evaluation.api import ROUTERS
from jingzhang.evaluation.domain.reports import RankingPolicy
from jingzhang.evaluation.events import SERVICE
from jingzhang.evaluation.handlers import Deps
from jingzhang.evaluation.projections.audit import PROJECTION as AUDIT
from jingzhang.evaluation.projections.audit_queries import PostgresAudit
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.projections.queries import PostgresFacts
from jingzhang.evaluation.settings import EvaluationSettings
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for, new_id
from jingzhang.shared.envelope import Envelope, Metadata, NewEvent, StreamId
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.wiring import provide

DESCRIPTION = """Ratings of chiefs (打评评比), satisfaction spot checks (满意度抽查), per-officer scorecards
(一警一评一考) with the events behind every number, the yearly model/laggard ranking, and the report's
figure table for any period, as of any past date. Built only from the other services' events.

The audit trail (`GET /audit`, bureau and auditors) answers who did what to which enterprise or officer,
when, for every event of every service, without the events' contents."""


PROJECTIONS = (FACTS, AUDIT, access_projection())


class StartedStore:
    """The runtime's event store, which exists once the runtime has started; the handlers' `Deps` are
    provided when the app is built, before that."""

    def __init__(self, runtime: Runtime) -> None:
        self.service = runtime.service
        self._runtime = runtime

    async def append(self, stream: StreamId, expected_version: int, events: Sequence[NewEvent], meta: Metadata) -> int:
        return await self._runtime.store.append(stream, expected_version, events, meta)

    async def read_stream(self, stream: StreamId) -> list[Envelope]:
        return await self._runtime.store.read_stream(stream)


def create_app(
    settings: ServiceSettings | None = None, clock: Clock | None = None, ids: IdFactory | None = None
) -> FastAPI:
    resolved = EvaluationSettings.of(settings)
    clock = clock or clock_for(resolved.clock_start)
    spec = ServiceSpec(
        name=SERVICE,
        title="jingzhang evaluation",
        description=DESCRIPTION,
        settings=resolved,
        projections=PROJECTIONS,
        routers=ROUTERS,
        clock=clock,
    )
    app = build_app(spec)
    runtime: Runtime = app.state.runtime
    facts = PostgresFacts(lambda: runtime.pool)
    policy = RankingPolicy(resolved.ranking_weighting, resolved.ranking_min_rated_appeals, resolved.ranking_size)
    deps = Deps(StartedStore(runtime), clock, ids or new_id, facts, policy, resolved.spot_check_sample_size)
    provide(app, deps, facts, PostgresAudit(lambda: runtime.pool))
    return app
