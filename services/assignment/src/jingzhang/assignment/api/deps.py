"""Typed route dependencies: what the composition root provided (`shared.wiring.provide`), by type.

The caller's principal and metadata are the kernel's (`CurrentPrincipal`, `CommandMeta`).
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from jingzhang.assignment.handlers import Deps
from jingzhang.assignment.projections.acting_chiefs import ActingChiefs
from jingzhang.assignment.projections.coverage_gaps import CoverageGaps
from jingzhang.assignment.projections.duty_signals import DutySignals
from jingzhang.assignment.projections.enterprise_file import EnterpriseFiles
from jingzhang.assignment.projections.officer_directory import OfficerDirectory, Roster
from jingzhang.assignment.projections.police_offices import PoliceOffices
from jingzhang.shared.wiring import dependency

HandlerDeps = Annotated[Deps, Depends(dependency(Deps))]

Files = Annotated[EnterpriseFiles, Depends(dependency(EnterpriseFiles))]
Directory = Annotated[OfficerDirectory, Depends(dependency(OfficerDirectory))]
Officers = Annotated[Roster, Depends(dependency(Roster))]
Acting = Annotated[ActingChiefs, Depends(dependency(ActingChiefs))]
Gaps = Annotated[CoverageGaps, Depends(dependency(CoverageGaps))]
Offices = Annotated[PoliceOffices, Depends(dependency(PoliceOffices))]
Signals = Annotated[DutySignals, Depends(dependency(DutySignals))]


def _now(deps: HandlerDeps) -> datetime:
    return deps.clock.now()


Now = Annotated[datetime, Depends(_now)]
"""The service clock's instant, for a query whose caller gave none."""
