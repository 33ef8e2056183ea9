"""A read-only Open311 GeoReport v2 view of appeals, for government systems that speak it.

`services` lists one service per category; `requests` shows an appeal as a service request whose
status is `open` while it is on someone's desk (ours or a department's) and `closed` once finished.
Appeals carry no location, so the geographic fields stay empty, as the specification allows.

`RequestQuery.parse` reads GET requests.json's filters as GeoReport v2 defines them
(wiki.open311.org/GeoReport_v2): `service_request_id` (comma-delimited; overrides every other
filter), `service_code` and `status` (comma-delimited), `start_date` / `end_date` (W3C datetimes on
`requested_datetime`, at most 90 days apart; one alone spans 90 days from it; neither: the most
recent 90 days). A filter it cannot read is an `InvalidQuery` naming it, answered as GeoReport's
`[{code, description}]`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from jingzhang.appeals.domain.deadlines import due_at
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY, DepartmentDirectory
from jingzhang.appeals.domain.state import Appeal
from jingzhang.appeals.domain.vocabulary import Category, Status

GROUP = "五直暖企 five direct services"
MAX_SPAN = timedelta(days=90)
BUREAU_TZ = ZoneInfo("Asia/Shanghai")
STATUSES = ("open", "closed")
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


class GeoReportError(BaseModel):
    """GeoReport v2's error: its answers are a list of these, `code` the HTTP status."""

    code: int
    description: str


class InvalidQuery(ValueError):
    def __init__(self, field: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field = field


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """What GET requests.json asks for; None: not filtered on."""

    ids: tuple[str, ...] | None = None
    codes: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def parse(
        cls,
        now: datetime,
        *,
        service_request_id: str | None = None,
        service_code: str | None = None,
        status: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
    ) -> "RequestQuery":
        if service_request_id is not None:
            return cls(ids=_listed("service_request_id", service_request_id))
        codes = _listed("service_code", service_code)
        unknown = [c for c in codes or () if c not in {category.value for category in Category}]
        if unknown:
            raise InvalidQuery("service_code", f"unknown service {', '.join(unknown)} (see services.json)")
        statuses = _listed("status", status)
        if statuses is not None and (wrong := [s for s in statuses if s not in STATUSES]):
            raise InvalidQuery("status", f"{', '.join(wrong)} is not open or closed")
        start, end = _window(_when("start_date", start_date), _when("end_date", end_date), now)
        return cls(codes=codes, statuses=statuses, start=start, end=end)


def _listed(field: str, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = tuple(v.strip() for v in value.split(","))
    if not all(items):
        raise InvalidQuery(field, "a comma-delimited list without empty items")
    return items


def _when(field: str, value: str | None) -> datetime | None:
    """A W3C datetime (`2010-05-24T00:00:00Z`, or with an offset); a bare date is its first moment in
    bureau time (Asia/Shanghai)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), BUREAU_TZ)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(field, f"{value!r} is not a W3C datetime such as 2010-05-24T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise InvalidQuery(field, f"{value!r} has no time zone (end it with Z or an offset such as +08:00)")
    return parsed


def _window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime | None]:
    if start is None and end is None:
        return now - MAX_SPAN, None
    if start is None:
        assert end is not None
        return end - MAX_SPAN, end
    if end is None:
        return start, start + MAX_SPAN
    if end < start:
        raise InvalidQuery("end_date", "is before start_date")
    if end - start > MAX_SPAN:
        raise InvalidQuery("end_date", "the range may not span more than 90 days")
    return start, end


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
