"""Partner departments (相关部门) that out-of-duty appeals are referred to.

Ids are stable: they are stored in `AppealReferred` events, so rename a department's label, never its id.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

REPLY_WITHIN = timedelta(days=5)
"""How long a department has to report back on a referral unless the directory says otherwise (issue 14)."""


@dataclass(frozen=True, slots=True)
class Department:
    """`reply_within`: the department's reply limit; a referral nearing it is chased, past it overdue."""

    department_id: str
    name_zh: str
    name_en: str
    reply_within: timedelta = REPLY_WITHIN


class DepartmentDirectory:
    """A lookup of departments by id; the composition root may pass a longer one than the default."""

    def __init__(self, departments: Iterable[Department]) -> None:
        self._by_id = {d.department_id: d for d in departments}

    def __contains__(self, department_id: object) -> bool:
        return department_id in self._by_id

    def __iter__(self) -> Iterator[Department]:
        return iter(self._by_id.values())

    def get(self, department_id: str) -> Department | None:
        return self._by_id.get(department_id)


# The first four are named in the report; telecom because it mentions keeping base stations safe,
# and the management committee because the bureau follows its policies for enterprises.
DEFAULT_DEPARTMENTS = (
    Department("party_masses_bureau", "党群局", "Party-masses bureau"),
    Department("comprehensive_governance_office", "综治办", "Comprehensive-governance office"),
    Department("economic_development_bureau", "经发局", "Economic-development bureau"),
    Department("urban_management_enforcement", "城管执法大队", "Urban-management enforcement brigade"),
    Department("telecom", "通信运营商", "Telecom operators"),
    Department("management_committee", "管委会", "Demonstration-zone management committee"),
)

DEFAULT_DIRECTORY = DepartmentDirectory(DEFAULT_DEPARTMENTS)
