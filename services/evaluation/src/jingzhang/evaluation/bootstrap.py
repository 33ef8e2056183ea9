"""The composition root: settings, clock, the projections (facts, audit trail, access) and the HTTP routes,
on the shared runtime."""

from fastapi import FastAPI

from jingzhang.evaluation.api import ROUTERS
from jingzhang.evaluation.api.deps import AppDeps
from jingzhang.evaluation.projections.audit import PROJECTION as AUDIT
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.evaluation.settings import EvaluationSettings
from jingzhang.shared.auth.links import access_projection
from jingzhang.shared.clock import Clock, clock_for
from jingzhang.shared.service import ServiceSpec, build_app
from jingzhang.shared.settings import ServiceSettings

SERVICE = "evaluation"

DESCRIPTION = """Ratings of chiefs (打评评比), satisfaction spot checks (满意度抽查), per-officer scorecards
(一警一评一考) with the events behind every number, the yearly model/laggard ranking, and the report's
figure table for any period, as of any past date. Built only from the other services' events.

The audit trail (`GET /audit`, bureau and auditors) answers who did what to which enterprise or officer,
when, for every event of every service, without the events' contents."""


PROJECTIONS = (FACTS, AUDIT, access_projection())


def create_app(settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
    resolved = EvaluationSettings.of(settings)
    spec = ServiceSpec(
        name=SERVICE,
        title="jingzhang evaluation",
        description=DESCRIPTION,
        settings=resolved,
        projections=PROJECTIONS,
        routers=ROUTERS,
        extra_state={"deps": AppDeps(resolved, clock or clock_for(resolved.clock_start))},
    )
    app = build_app(spec)
    return app
