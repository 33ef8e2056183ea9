"""One async function per command: load the appeal, decide with the domain, append at the version read.

Dependencies come in as arguments: the event store, the chiefs view (our projection of the assignment
service's events), the time-limit policy and the department directory. `now` travels in each command.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from jingzhang.appeals.domain import commands as c
from jingzhang.appeals.domain.deadlines import check_deadlines
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY, DepartmentDirectory
from jingzhang.appeals.domain.extensions import (
    decide_approve_extension,
    decide_refuse_extension,
    decide_request_extension,
)
from jingzhang.appeals.domain.feedback import decide_merge, decide_record_callback
from jingzhang.appeals.domain.handling import (
    decide_acknowledge,
    decide_close_unresolved,
    decide_follow_up,
    decide_refer,
    decide_report_back,
    decide_resolve,
)
from jingzhang.appeals.domain.intake import decide_raise
from jingzhang.appeals.domain.policy import DEFAULT_TIME_LIMITS, TimeLimits
from jingzhang.appeals.domain.routing import ChiefsSnapshot
from jingzhang.appeals.domain.state import APPEAL, Appeal, AppealState
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.aggregate import Decided, execute, load
from jingzhang.shared.envelope import Metadata, check_token
from jingzhang.shared.errors import InvalidCommand, NotFound
from jingzhang.shared.events import DomainEvent
from jingzhang.shared.store.protocol import EventStore

Result = Decided[AppealState]
Decide = Callable[[Appeal], Sequence[DomainEvent]]


class ChiefsView(Protocol):
    """Who the enterprise's chiefs are now; None for an enterprise the assignment service never registered."""

    async def snapshot(self, enterprise_id: str) -> ChiefsSnapshot | None: ...


async def raise_appeal(
    store: EventStore,
    chiefs: ChiefsView,
    cmd: c.RaiseAppeal,
    meta: Metadata,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> Result:
    _valid_id(cmd.appeal_id, "appeal_id")
    snapshot = await chiefs.snapshot(cmd.enterprise_id)
    if snapshot is None:
        raise NotFound("enterprise", cmd.enterprise_id)
    return await execute(
        store, REGISTRY, APPEAL, cmd.appeal_id, lambda s: decide_raise(s, cmd, snapshot, policy), meta=meta, now=cmd.now
    )


async def acknowledge(
    store: EventStore, appeal_id: str, cmd: c.AcknowledgeAppeal, meta: Metadata, expected_version: int | None = None
) -> Result:
    return await _on_appeal(store, appeal_id, lambda a: decide_acknowledge(a, cmd), meta, cmd.now, expected_version)


async def resolve(
    store: EventStore, appeal_id: str, cmd: c.ResolveAppeal, meta: Metadata, expected_version: int | None = None
) -> Result:
    return await _on_appeal(store, appeal_id, lambda a: decide_resolve(a, cmd), meta, cmd.now, expected_version)


async def refer(
    store: EventStore,
    appeal_id: str,
    cmd: c.ReferAppeal,
    meta: Metadata,
    expected_version: int | None = None,
    directory: DepartmentDirectory = DEFAULT_DIRECTORY,
) -> Result:
    return await _on_appeal(
        store, appeal_id, lambda a: decide_refer(a, cmd, directory), meta, cmd.now, expected_version
    )


async def follow_up(
    store: EventStore, appeal_id: str, cmd: c.FollowUpReferral, meta: Metadata, expected_version: int | None = None
) -> Result:
    return await _on_appeal(store, appeal_id, lambda a: decide_follow_up(a, cmd), meta, cmd.now, expected_version)


async def report_back(
    store: EventStore,
    appeal_id: str,
    cmd: c.RecordDepartmentReport,
    meta: Metadata,
    expected_version: int | None = None,
) -> Result:
    return await _on_appeal(store, appeal_id, lambda a: decide_report_back(a, cmd), meta, cmd.now, expected_version)


async def close_unresolved(
    store: EventStore, appeal_id: str, cmd: c.CloseUnresolved, meta: Metadata, expected_version: int | None = None
) -> Result:
    return await _on_appeal(
        store, appeal_id, lambda a: decide_close_unresolved(a, cmd), meta, cmd.now, expected_version
    )


async def request_extension(
    store: EventStore,
    appeal_id: str,
    cmd: c.RequestExtension,
    meta: Metadata,
    expected_version: int | None = None,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> Result:
    return await _on_appeal(
        store, appeal_id, lambda a: decide_request_extension(a, cmd, policy), meta, cmd.now, expected_version
    )


async def approve_extension(
    store: EventStore,
    chiefs: ChiefsView,
    appeal_id: str,
    cmd: c.ApproveExtension,
    meta: Metadata,
    expected_version: int | None = None,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> Result:
    snapshot = await _chiefs_of(store, chiefs, appeal_id)
    return await _on_appeal(
        store, appeal_id, lambda a: decide_approve_extension(a, cmd, snapshot, policy), meta, cmd.now, expected_version
    )


async def refuse_extension(
    store: EventStore,
    chiefs: ChiefsView,
    appeal_id: str,
    cmd: c.RefuseExtension,
    meta: Metadata,
    expected_version: int | None = None,
) -> Result:
    snapshot = await _chiefs_of(store, chiefs, appeal_id)
    return await _on_appeal(
        store, appeal_id, lambda a: decide_refuse_extension(a, cmd, snapshot), meta, cmd.now, expected_version
    )


async def record_callback(
    store: EventStore, appeal_id: str, cmd: c.RecordCallback, meta: Metadata, expected_version: int | None = None
) -> Result:
    return await _on_appeal(store, appeal_id, lambda a: decide_record_callback(a, cmd), meta, cmd.now, expected_version)


async def merge(
    store: EventStore, appeal_id: str, cmd: c.MergeAppeal, meta: Metadata, expected_version: int | None = None
) -> Result:
    _valid_id(cmd.into_appeal_id, "into_appeal_id")
    target, _ = await load(store, REGISTRY, APPEAL, cmd.into_appeal_id)
    return await _on_appeal(store, appeal_id, lambda a: decide_merge(a, cmd, target), meta, cmd.now, expected_version)


async def enterprise_of(store: EventStore, appeal_id: str) -> str:
    """The enterprise an appeal belongs to, from its stream (a command right after raising must not wait
    for a projection): what authorization checks a command on the appeal against."""
    _known_id(appeal_id)
    state, _ = await load(store, REGISTRY, APPEAL, appeal_id)
    if not isinstance(state, Appeal):
        raise NotFound("appeal", appeal_id)
    return state.enterprise_id


async def check_appeal_deadlines(
    store: EventStore,
    chiefs: ChiefsView,
    appeal_id: str,
    now: datetime,
    meta: Metadata,
    policy: TimeLimits = DEFAULT_TIME_LIMITS,
) -> Result:
    """What the deadline worker runs for each due appeal: warnings, breaches and escalations as of `now`."""
    snapshot = await _chiefs_of(store, chiefs, appeal_id)
    return await _on_appeal(store, appeal_id, lambda a: check_deadlines(a, now, snapshot, policy), meta, now, None)


async def _on_appeal(
    store: EventStore,
    appeal_id: str,
    decide: Decide,
    meta: Metadata,
    now: datetime,
    expected_version: int | None,
) -> Result:
    """Run `decide` on a raised appeal; an id that names none is NotFound (404), not a refusal."""
    _known_id(appeal_id)

    def on_existing(state: AppealState) -> Sequence[DomainEvent]:
        if not isinstance(state, Appeal):
            raise NotFound("appeal", appeal_id)
        return decide(state)

    return await execute(
        store, REGISTRY, APPEAL, appeal_id, on_existing, meta=meta, now=now, expected_version=expected_version
    )


async def _chiefs_of(store: EventStore, chiefs: ChiefsView, appeal_id: str) -> ChiefsSnapshot:
    """The chiefs of the appeal's enterprise; an empty snapshot if the projection knows none (nobody to climb to)."""
    enterprise_id = await enterprise_of(store, appeal_id)
    snapshot = await chiefs.snapshot(enterprise_id)
    return snapshot or ChiefsSnapshot(enterprise_id)


def _valid_id(value: str, field: str) -> None:
    try:
        check_token(value, field)
    except ValueError as exc:
        raise InvalidCommand(str(exc), field=field) from None


def _known_id(appeal_id: str) -> None:
    try:
        check_token(appeal_id, "appeal id")
    except ValueError:
        raise NotFound("appeal", appeal_id) from None
