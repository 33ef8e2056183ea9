"""Decisions over an enterprise's life: register, reclassify, suspend, reinstate, close."""

from datetime import datetime

from jingzhang.assignment.domain import credit_code
from jingzhang.assignment.domain.business_time import bureau_date, require_not_future
from jingzhang.assignment.domain.commands import (
    CloseEnterprise,
    ReclassifyEnterprise,
    RegisterEnterprise,
    ReinstateEnterprise,
    SuspendEnterprise,
)
from jingzhang.assignment.domain.enterprise import EnterpriseState, EnterpriseStatus, chiefs
from jingzhang.assignment.domain.events import (
    ChiefRelieved,
    ChiefTier,
    EnterpriseClosed,
    EnterpriseReclassified,
    EnterpriseRegistered,
    EnterpriseReinstated,
    EnterpriseSuspended,
    PoliceOfficeClosed,
)
from jingzhang.assignment.domain.guards import require_active, require_open, require_registered, settle
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent


def register_enterprise(state: EnterpriseState, cmd: RegisterEnterprise, *, now: datetime) -> list[DomainEvent]:
    """New enterprises arrive at any time; one without chiefs opens a coverage gap at once.

    It was registered on the command's `registered_on`, or on the bureau's day at `now`. The same
    registration again is a retry and records nothing; other details under the same id are refused."""
    if state.status is not EnterpriseStatus.UNREGISTERED:
        _require_repeat(state, cmd)
        return []
    if not credit_code.is_valid(cmd.credit_code):
        raise InvalidCommand(f"{cmd.credit_code!r} is not a valid unified social credit code", field="credit_code")
    registered_on = cmd.registered_on or bureau_date(now)
    require_not_future(registered_on, now, field="registered_on")
    registered = EnterpriseRegistered(**{**cmd.model_dump(), "registered_on": registered_on})
    return settle(state, [registered], "registered", now=now)


# Personal fields (contact_name, contact_phone) are sealed tokens once recorded: they cannot be compared.
_REGISTRATION_FACTS = ("name", "credit_code", "address", "industry", "enterprise_class")


def _require_repeat(state: EnterpriseState, cmd: RegisterEnterprise) -> None:
    """A retry says what the registration said; a business date it leaves out is the one recorded."""
    recorded = {f: getattr(state.registration, f, None) for f in _REGISTRATION_FACTS}
    recorded["registered_on"] = state.registered_on
    said = {f: getattr(cmd, f) for f in _REGISTRATION_FACTS}
    said["registered_on"] = cmd.registered_on or state.registered_on
    differ = [f for f in said if said[f] != recorded[f]]
    if differ:
        raise DomainRejected(
            f"企业 {cmd.enterprise_id} 已按不同内容登记（{', '.join(differ)}）/ enterprise {cmd.enterprise_id}"
            f" was already registered with other {', '.join(differ)}",
            field=differ[0],
            code="duplicate",
        )


def reclassify_enterprise(state: EnterpriseState, cmd: ReclassifyEnterprise, *, now: datetime) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.enterprise_class is cmd.enterprise_class:
        return []
    previous = state.enterprise_class
    reclassified = EnterpriseReclassified(
        enterprise_id=cmd.enterprise_id, previous_class=previous, enterprise_class=cmd.enterprise_class
    )
    return settle(state, [reclassified], "reclassified", now=now)  # whether A/B pairs are owed depends on the class


def suspend_enterprise(state: EnterpriseState, cmd: SuspendEnterprise, *, now: datetime) -> list[DomainEvent]:
    """A suspended enterprise needs no cover, so its open gap closes."""
    if state.status is EnterpriseStatus.SUSPENDED:
        return []
    require_active(state, cmd.enterprise_id)
    return settle(
        state, [EnterpriseSuspended(enterprise_id=cmd.enterprise_id, reason=cmd.reason)], "suspended", now=now
    )


def reinstate_enterprise(state: EnterpriseState, cmd: ReinstateEnterprise, *, now: datetime) -> list[DomainEvent]:
    require_open(state, cmd.enterprise_id)
    if state.status is EnterpriseStatus.ACTIVE:
        return []
    return settle(state, [EnterpriseReinstated(enterprise_id=cmd.enterprise_id)], "reinstated", now=now)


def close_enterprise(state: EnterpriseState, cmd: CloseEnterprise, *, at: datetime) -> list[DomainEvent]:
    """Closing ends every chief's term and the police office, so officers' lists stay true.

    `at`: when the terms end (the command's `effective_from`, or now)."""
    require_registered(state, cmd.enterprise_id)
    if state.status is EnterpriseStatus.CLOSED:
        return []
    relieved: list[DomainEvent] = [
        ChiefRelieved(
            enterprise_id=cmd.enterprise_id,
            tier=tier,
            slot=slot,
            officer_id=officer_id,
            effective_from=at,
            reason="enterprise_closed",
        )
        for (tier, slot), officer_id in chiefs(state).items()
    ]
    if state.office is not None:
        relieved.append(
            PoliceOfficeClosed(
                enterprise_id=cmd.enterprise_id, office_id=state.office.office_id, reason="enterprise_closed"
            )
        )
    primary = [*relieved, EnterpriseClosed(enterprise_id=cmd.enterprise_id, reason=cmd.reason)]
    return settle(state, primary, "closed", now=at, at=at, tiers=tuple(ChiefTier))
