"""Typed route dependencies: the handlers' `Deps` and the read models' query objects, as provided by the root."""

from typing import Annotated

from fastapi import Depends

from jingzhang.patrols.handlers import Deps
from jingzhang.patrols.projections.activity_counts import PostgresActivityCounts
from jingzhang.patrols.projections.duties import PostgresDuties
from jingzhang.patrols.projections.hazards import PostgresHazards
from jingzhang.patrols.projections.ledger import PostgresLedger
from jingzhang.shared.wiring import dependency

HandlerDeps = Annotated[Deps, Depends(dependency(Deps))]
Duties = Annotated[PostgresDuties, Depends(dependency(PostgresDuties))]
Hazards = Annotated[PostgresHazards, Depends(dependency(PostgresHazards))]
Ledger = Annotated[PostgresLedger, Depends(dependency(PostgresLedger))]
ActivityCounts = Annotated[PostgresActivityCounts, Depends(dependency(PostgresActivityCounts))]
