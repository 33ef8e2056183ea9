"""Canonical appeals for the tests: one enterprise, its six named chiefs, fixed times."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.commands import RaiseAppeal
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.routing import ChiefsSnapshot, TierChiefs
from jingzhang.appeals.domain.state import APPEAL, Appeal, AppealState
from jingzhang.appeals.domain.vocabulary import Category, Channel, ChiefTier
from jingzhang.shared.aggregate import fold
from jingzhang.shared.events import DomainEvent

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

ENTERPRISE = "ent-yafang"
APPEAL_ID = "ap-0001"
CONTACT = "contact-yuan"

POLICE_A, POLICE_B = "off-sun", "off-li"
STATION_A, STATION_B = "off-chen", "off-wang"
LEADER_A, LEADER_B = "off-zhang", "off-ling"


def chiefs(
    police_acting: str | None = POLICE_A,
    station_acting: str | None = STATION_A,
    leader_acting: str | None = LEADER_A,
) -> ChiefsSnapshot:
    """All six chiefs named; by default every A is at work."""
    return ChiefsSnapshot(
        ENTERPRISE,
        {
            ChiefTier.POLICE_CHIEF: TierChiefs(POLICE_A, POLICE_B, police_acting),
            ChiefTier.STATION_CHIEF: TierChiefs(STATION_A, STATION_B, station_acting),
            ChiefTier.BUREAU_LEADER: TierChiefs(LEADER_A, LEADER_B, leader_acting),
        },
    )


def raise_cmd(
    channel: Channel = Channel.POLICE_CHIEF_SERVICE_POINT,
    category: Category = Category.DISPUTE,
    emergency: bool = False,
    appeal_id: str = APPEAL_ID,
) -> RaiseAppeal:
    return RaiseAppeal(
        appeal_id=appeal_id,
        enterprise_id=ENTERPRISE,
        channel=channel,
        category=category,
        description="workers blocking the site gate",
        raised_by=CONTACT,
        emergency=emergency,
    )


def raised(
    channel: Channel = Channel.POLICE_CHIEF_SERVICE_POINT,
    category: Category = Category.DISPUTE,
    appeal_id: str = APPEAL_ID,
    snapshot: ChiefsSnapshot | None = None,
) -> list[DomainEvent]:
    """The events of a freshly raised, routed appeal (a dispute: 7 days, first answer in 24 h)."""
    cmd = raise_cmd(channel, category, appeal_id=appeal_id)
    return decide_raise(APPEAL.initial, cmd, T0, snapshot or chiefs())


def acknowledged(at: datetime = T0 + HOUR) -> ev.AppealAcknowledged:
    return ev.AppealAcknowledged(officer_id=POLICE_A, note="on my way", acknowledged_at=at)


def referred(at: datetime, department_id: str = "urban_management_enforcement") -> ev.AppealReferred:
    return ev.AppealReferred(
        department_id=department_id, note="illegal building by the gate", referred_by=POLICE_A, referred_at=at
    )


def resolved(at: datetime = T0 + DAY) -> ev.AppealResolved:
    return ev.AppealResolved(what_was_done="mediated, gate reopened", resolved_by=POLICE_A, resolved_at=at)


def given(*histories: DomainEvent | Sequence[DomainEvent]) -> AppealState:
    return fold(APPEAL.evolve, APPEAL.initial, _flatten(histories))


def given_appeal(*histories: DomainEvent | Sequence[DomainEvent]) -> Appeal:
    state = given(*histories)
    assert isinstance(state, Appeal)
    return state


def _flatten(histories: Iterable[DomainEvent | Sequence[DomainEvent]]) -> list[DomainEvent]:
    out: list[DomainEvent] = []
    for item in histories:
        out.extend([item] if isinstance(item, DomainEvent) else item)
    return out


def types(events: Iterable[DomainEvent]) -> list[str]:
    return [e.event_type for e in events]


def after(state: AppealState, events: Iterable[DomainEvent]) -> AppealState:
    """The state once `events` are recorded on top of `state`."""
    return fold(APPEAL.evolve, state, events)
