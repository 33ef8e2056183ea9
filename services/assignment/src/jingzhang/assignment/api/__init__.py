"""HTTP API of the assignment service: translators from requests to commands and queries."""

from jingzhang.assignment.api.enterprises import router as enterprises_router
from jingzhang.assignment.api.officers import router as officers_router

ROUTERS = (enterprises_router, officers_router)

__all__ = ["ROUTERS"]
