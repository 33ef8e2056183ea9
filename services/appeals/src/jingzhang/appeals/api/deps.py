"""Typed route dependencies: what the composition root provided, asked for by type (`shared.wiring`)."""

from typing import Annotated

from fastapi import Depends

from jingzhang.appeals.domain.departments import DepartmentDirectory
from jingzhang.appeals.handlers import Deps
from jingzhang.appeals.projections.board import AppealBoard
from jingzhang.appeals.projections.history import AppealHistory
from jingzhang.appeals.projections.matters import PostgresMatters
from jingzhang.appeals.projections.recurring import PostgresRecurring
from jingzhang.shared.wiring import dependency

HandlerDeps = Annotated[Deps, Depends(dependency(Deps))]
Board = Annotated[AppealBoard, Depends(dependency(AppealBoard))]
History = Annotated[AppealHistory, Depends(dependency(AppealHistory))]
Departments = Annotated[DepartmentDirectory, Depends(dependency(DepartmentDirectory))]
Recurring = Annotated[PostgresRecurring, Depends(dependency(PostgresRecurring))]
Matters = Annotated[PostgresMatters, Depends(dependency(PostgresMatters))]
