"""The composition root: settings, clock, ids, the projections (facts, audit trail, access), the handlers'
dependencies and the HTTP routes, on the shared runtime."""

from fastapi import FastAPI

from jingzhang.evaluation.api import ROUTERS
from jingzhang.evaluation.domain.reports import RankingPolicy
from jingzhang.evaluation.events import SERVICE
from jingzhang.evaluation.handlers import Deps
from jingzhang.evaluation.projections.audit import PROJECTION as AUDIT
from jingzhang.evaluation.projections.audit_queries import PostgresAudit
from jingzhang.evaluation.projections.enterprise_file import PROJECTION as ENTERPRISE_FILE
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.projections.file_queries import PostgresEnterpriseFiles
from jingzhang.evaluation.projections.queries import PostgresFacts
from jingzhang.evaluation.settings import EvaluationSettings
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, IdFactory, clock_for, new_id
from jingzhang.shared.runtime import Runtime
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings
from jingzhang.shared.wiring import provide

DESCRIPTION = """Ratings of chiefs (打评评比), satisfaction spot checks (满意度抽查), per-officer scorecards
(一警一评一考) with the events behind every number, the yearly model/laggard ranking (ratings and spot
checks first, with appeal outcomes and visit compliance; weights and guard returned with it; every score
explained down to its events), and the report's figure table for any business period, as the bureau
knew it at any instant. Built only from the other services' events.

The audit trail (`GET /audit`, bureau and auditors) answers who did what to which enterprise or officer,
when, for every event of every service, without the events' contents.

一企一档 (`GET /enterprises/{id}/file`, read like the enterprise): its record, police office, chiefs A/B
and every term, and a paged timeline of every event of every service concerning it, with contents."""


PROJECTIONS = (FACTS, AUDIT, ENTERPRISE_FILE, access_projection())


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
    facts = PostgresFacts(runtime.pool_of)
    policy = RankingPolicy(resolved.ranking_weighting, resolved.ranking_min_sample, resolved.ranking_size)
    size = resolved.spot_check_sample_size
    deps = Deps(runtime.started_store(), clock, ids or new_id, facts, policy, size, runtime.caught_up)
    provide(app, deps, facts, PostgresAudit(runtime.pool_of), PostgresEnterpriseFiles(runtime.pool_of))
    return app
