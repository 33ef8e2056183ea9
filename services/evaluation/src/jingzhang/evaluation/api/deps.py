"""Typed route dependencies: what the composition root provided (`bootstrap.create_app`), by type."""

from typing import Annotated

from fastapi import Depends

from jingzhang.evaluation.handlers import Deps
from jingzhang.evaluation.projections.audit_queries import PostgresAudit
from jingzhang.evaluation.projections.file_queries import PostgresEnterpriseFiles
from jingzhang.evaluation.projections.queries import PostgresFacts
from jingzhang.shared.auth.http import CommandMeta
from jingzhang.shared.wiring import dependency

HandlerDeps = Annotated[Deps, Depends(dependency(Deps))]
FactsTables = Annotated[PostgresFacts, Depends(dependency(PostgresFacts))]
"""The facts read model itself, for what only its tables answer (the events behind a number)."""
Audit = Annotated[PostgresAudit, Depends(dependency(PostgresAudit))]
Files = Annotated[PostgresEnterpriseFiles, Depends(dependency(PostgresEnterpriseFiles))]
Meta = CommandMeta
"""The authenticated actor (`role:subject`) and the correlation id; auditors are refused."""
