"""HTTP API of the appeals service: translators from requests to commands and queries."""

from jingzhang.appeals.api.appeals import router as appeals_router
from jingzhang.appeals.api.matters import router as matters_router
from jingzhang.appeals.api.open311 import router as open311_router
from jingzhang.appeals.api.policies import router as policies_router
from jingzhang.appeals.api.recurring import router as recurring_router
from jingzhang.appeals.api.referrals import router as referrals_router
from jingzhang.appeals.api.views import router as views_router

ROUTERS = (
    appeals_router,
    referrals_router,
    views_router,
    open311_router,
    policies_router,
    recurring_router,
    matters_router,
)
"""In this order: the commands, the reads (fixed paths before `/appeals/{appeal_id}`), Open311."""

__all__ = ["ROUTERS"]
