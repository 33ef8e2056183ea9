"""Evaluation's HTTP API: translators between HTTP and the handlers or the facts read model."""

from jingzhang.evaluation.api.audit import router as audit_router
from jingzhang.evaluation.api.commands import router as commands_router
from jingzhang.evaluation.api.reads import router as reads_router

ROUTERS = (commands_router, reads_router, audit_router)

__all__ = ["ROUTERS"]
