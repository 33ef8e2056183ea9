"""Evaluation's HTTP API: translators between HTTP and the handlers or the facts read model."""

from jingzhang.evaluation.api.audit import router as audit_router
from jingzhang.evaluation.api.figures import router as figures_router
from jingzhang.evaluation.api.files import router as files_router
from jingzhang.evaluation.api.rankings import router as rankings_router
from jingzhang.evaluation.api.ratings import router as ratings_router
from jingzhang.evaluation.api.scorecards import router as scorecards_router
from jingzhang.evaluation.api.spot_checks import router as spot_checks_router

ROUTERS = (
    ratings_router,
    spot_checks_router,
    rankings_router,
    scorecards_router,
    figures_router,
    audit_router,
    files_router,
)

__all__ = ["ROUTERS"]
