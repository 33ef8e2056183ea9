"""A read-only Open311 GeoReport v2 view of appeals, for government systems that speak it.

`services` lists one service per category; `requests` shows an appeal as a service request whose
status is `open` while it is on someone's desk (ours or a department's) and `closed` once finished.
Appeals carry no location, so the geographic fields stay empty, as the specification allows.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from jingzhang.appeals.domain.deadlines import due_at
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY, DepartmentDirectory
from jingzhang.appeals.domain.state import Appeal
from jingzhang.appeals.domain.vocabulary import Category, Status

GROUP = "五直暖企 five direct services"
AGENCY = "恒口公安分局 Hengkou public-security sub-bureau"


class Open311Service(BaseModel):
    model_config = ConfigDict(frozen=True)

    service_code: str
    service_name: str
    description: str
    metadata: bool = False
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str
    group: str = GROUP


class Open311Request(BaseModel):
    model_config = ConfigDict(frozen=True)

    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str | None = None
    requested_datetime: datetime
    updated_datetime: datetime | None
    expected_datetime: datetime | None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


_SERVICES: Mapping[Category, tuple[str, str, str]] = {
    Category.ADMINISTRATIVE_SERVICE: (
        "代办领办跟办 Administrative services on the enterprise's behalf",
        "Public-security administrative services handled, led or followed up for the enterprise.",
        "permit,licence,代办",
    ),
    Category.PRODUCTION_DISRUPTION: (
        "涉企警情案件 Incidents and cases disrupting production",
        "Police incidents and cases that disrupt production, such as obstructing construction.",
        "incident,case,obstruction,警情",
    ),
    Category.DISPUTE: (
        "矛盾纠纷 Enterprise-related disputes",
        "Mediation of disputes involving the enterprise.",
        "dispute,mediation,纠纷",
    ),
    Category.PUBLIC_ORDER_TROUBLE_SPOT: (
        "治安乱点 Public-order trouble spots",
        "Clean-up of public-order trouble spots and hazards around the enterprise.",
        "hazard,public order,隐患",
    ),
    Category.LEGAL_FOUR_PREVENTIONS: (
        "法务咨询、四防 Legal consultation and four preventions",
        "Legal consultation, training and four-preventions services.",
        "legal,training,四防",
    ),
    Category.OTHER: ("其他 Other", "Any other request to the enterprise's chiefs.", "other"),
}


def services() -> list[Open311Service]:
    return [
        Open311Service(service_code=c.value, service_name=n, description=d, keywords=k)
        for c, (n, d, k) in _SERVICES.items()
    ]


def request(
    appeal: Appeal,
    updated_at: datetime | None = None,
    directory: DepartmentDirectory = DEFAULT_DIRECTORY,
) -> Open311Request:
    """`updated_at`: when the appeal's stream last moved, which the projection knows and the state does not."""
    return Open311Request(
        service_request_id=appeal.appeal_id,
        status="open" if appeal.status.is_open else "closed",
        status_notes=_notes(appeal, directory),
        service_name=_SERVICES[appeal.category][0],
        service_code=appeal.category.value,
        description=appeal.description,
        agency_responsible=_agency(appeal, directory),
        requested_datetime=appeal.received_at,
        updated_datetime=updated_at,
        expected_datetime=due_at(appeal),
    )


def _agency(appeal: Appeal, directory: DepartmentDirectory) -> str:
    if appeal.status is not Status.REFERRED or appeal.department_id is None:
        return AGENCY
    department = directory.get(appeal.department_id)
    return AGENCY if department is None else department.name_zh


def _notes(appeal: Appeal, directory: DepartmentDirectory) -> str | None:
    if appeal.status is Status.REFERRED and appeal.department_id is not None:
        department = directory.get(appeal.department_id)
        name = department.name_zh if department else appeal.department_id
        return f"referred to {name}; the police chief follows it up"
    if appeal.status is Status.MERGED:
        return f"duplicate of {appeal.merged_into}"
    if appeal.outcome is not None:
        return f"{appeal.outcome.value}: {appeal.outcome_note}"
    if appeal.unrouted:
        return "值班台受理,等待分派警长 (held at the bureau's duty desk until a chief is known)"
    return None
