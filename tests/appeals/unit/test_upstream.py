"""The tolerant readers of assignment's and patrols' events: what the producers publish decodes to what we
read, a field we do not know is ignored, and an event type we do not declare is `Unread`, not a failure.

The published events are built with the producers' own classes (tests sit above every layer), exactly
as the producer serialises them for the contract.
"""

from datetime import date, timedelta
from typing import Any

import pytest

from jingzhang.appeals.domain.vocabulary import ChiefTier, Slot
from jingzhang.appeals.upstream import assignment as reader
from jingzhang.appeals.upstream import patrols as forums
from jingzhang.assignment.domain import events as published
from jingzhang.patrols.domain.activity import DisputeMediated, collect_appeal, collected_appeal_id
from jingzhang.patrols.domain.activity import ForumHeld as PublishedForumHeld
from jingzhang.shared.events import DomainEvent, EventDecodeError
from jingzhang.shared.readers import ReaderRegistry, Unread

from .samples import ENTERPRISE, POLICE_A, POLICE_B, T0


def wire(event: DomainEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


def read(registry: ReaderRegistry, event: DomainEvent, **extra: Any) -> DomainEvent:
    """`event` as the producer publishes it (plus `extra` fields it may add one day), decoded by our reader."""
    return registry.decode(event.event_type, event.schema_version, {**wire(event), **extra})


def assigned() -> published.ChiefAssigned:
    return published.ChiefAssigned(
        enterprise_id=ENTERPRISE,
        tier=published.ChiefTier.POLICE_CHIEF,
        slot=published.Slot.B,
        officer_id=POLICE_B,
        effective_from=T0,
    )


class TestAssignmentReader:
    def test_our_tiers_and_slots_are_the_published_ones(self) -> None:
        assert [t.value for t in ChiefTier] == [t.value for t in published.ChiefTier]
        assert [s.value for s in Slot] == [s.value for s in published.Slot]

    def test_a_chief_assigned_reads_the_fields_we_use(self) -> None:
        event = read(reader.READS, assigned())

        assert event == reader.ChiefAssigned(
            enterprise_id=ENTERPRISE, tier=ChiefTier.POLICE_CHIEF, slot=Slot.B, officer_id=POLICE_B, effective_from=T0
        )

    def test_a_relief_and_an_acting_change_read_as_published(self) -> None:
        relieved = published.ChiefRelieved(
            enterprise_id=ENTERPRISE,
            tier=published.ChiefTier.STATION_CHIEF,
            slot=published.Slot.A,
            officer_id=POLICE_A,
            effective_from=T0,
            reason="reassigned",
        )
        nobody = published.ActingChiefChanged(
            enterprise_id=ENTERPRISE,
            tier=published.ChiefTier.BUREAU_LEADER,
            officer_id=None,
            previous_officer_id=POLICE_A,
            reason="absence",
            effective_from=T0,
        )

        assert read(reader.READS, relieved) == reader.ChiefRelieved(
            enterprise_id=ENTERPRISE, tier=ChiefTier.STATION_CHIEF, slot=Slot.A, officer_id=POLICE_A, effective_from=T0
        )
        assert read(reader.READS, nobody) == reader.ActingChiefChanged(
            enterprise_id=ENTERPRISE, tier=ChiefTier.BUREAU_LEADER, officer_id=None, effective_from=T0
        )

    def test_an_enterprises_registration_and_status_read_as_published(self) -> None:
        registered = published.EnterpriseRegistered(
            enterprise_id=ENTERPRISE,
            name="亚方",
            credit_code="91610900MA70000000",
            address="恒口",
            industry="manufacturing",
            contact_name="Yuan",
            contact_phone="0915",
            enterprise_class=published.EnterpriseClass.SMALL_MICRO,
        )
        statuses = [
            published.EnterpriseSuspended(enterprise_id=ENTERPRISE, reason="inspection"),
            published.EnterpriseReinstated(enterprise_id=ENTERPRISE),
            published.EnterpriseClosed(enterprise_id=ENTERPRISE, reason="moved away"),
        ]

        assert read(reader.READS, registered) == reader.EnterpriseRegistered(enterprise_id=ENTERPRISE, name="亚方")
        assert [type(read(reader.READS, e)).__name__ for e in statuses] == [
            "EnterpriseSuspended",
            "EnterpriseReinstated",
            "EnterpriseClosed",
        ]

    def test_the_registration_day_reads_when_published_and_is_none_in_older_events(self) -> None:
        registered = published.EnterpriseRegistered(
            enterprise_id=ENTERPRISE,
            name="亚方",
            credit_code="91610900MA70000000",
            address="恒口",
            industry="manufacturing",
            contact_name="Yuan",
            contact_phone="0915",
            enterprise_class=published.EnterpriseClass.SMALL_MICRO,
        )
        older = {k: v for k, v in wire(registered).items() if k != "registered_on"}

        dated = read(reader.READS, registered, registered_on="2026-03-01")

        assert isinstance(dated, reader.EnterpriseRegistered)
        assert dated.registered_on == date(2026, 3, 1)
        assert reader.READS.decode("EnterpriseRegistered", 1, older) == reader.EnterpriseRegistered(
            enterprise_id=ENTERPRISE, name="亚方"
        )

    def test_officers_read_their_enrolment_and_retirement(self) -> None:
        enrolled = published.OfficerEnrolled(
            officer_id=POLICE_A,
            name="孙",
            unit_kind=published.UnitKind.STATION,
            unit_name="恒口",
            position="社区民警",
            rank="",
            phone="",
            wechat_id="",
            photo_ref=None,
        )
        retired = published.OfficerRetired(officer_id=POLICE_A, effective_from=T0)

        assert read(reader.READS, enrolled) == reader.OfficerEnrolled(officer_id=POLICE_A)
        assert read(reader.READS, retired) == reader.OfficerRetired(officer_id=POLICE_A, effective_from=T0)

    def test_a_field_the_producer_adds_is_ignored(self) -> None:
        event = read(reader.READS, assigned(), handover_note="new in a later release", priority=3)

        assert event == read(reader.READS, assigned())

    def test_an_event_type_we_do_not_declare_is_unread_not_a_failure(self) -> None:
        absence = published.AbsenceDeclared(
            officer_id=POLICE_A, absence_id="leave-1", starts_at=T0, ends_at=T0 + timedelta(days=2), reason="leave"
        )

        unread = read(reader.READS, absence)
        future = reader.READS.decode("ChiefsRotated", 1, wire(assigned()))

        assert isinstance(unread, Unread)
        assert (unread.type_name, unread.field("absence_id")) == ("AbsenceDeclared", "leave-1")
        assert isinstance(future, Unread)
        assert (future.type_name, future.field("officer_id")) == ("ChiefsRotated", POLICE_B)

    def test_a_newer_version_than_we_read_is_still_refused(self) -> None:
        with pytest.raises(EventDecodeError, match="newer"):
            reader.READS.decode("ChiefAssigned", 2, wire(assigned()))

    def test_a_tier_outside_the_published_values_is_refused(self) -> None:
        with pytest.raises(EventDecodeError):
            reader.READS.decode("ChiefAssigned", 1, {**wire(assigned()), "tier": "district_commissioner"})


def forum_held() -> PublishedForumHeld:
    return PublishedForumHeld(
        activity_id="forum-3",
        enterprise_id=ENTERPRISE,
        officer_ids=(POLICE_A,),
        occurred_on=date(2026, 3, 2),
        attendees=12,
        collected_appeals=(collect_appeal("forum-3", "r1", ENTERPRISE, "trucks block the gate", "dispute"),),
    )


class TestPatrolsReader:
    def test_a_forum_reads_the_appeals_it_collected(self) -> None:
        event = read(forums.READS, forum_held())

        assert isinstance(event, forums.ForumHeld)
        assert (event.forum_id, event.occurred_on) == ("forum-3", date(2026, 3, 2))
        assert event.collected_appeals == (
            forums.CollectedAppeal(
                appeal_id=collected_appeal_id("forum-3", "r1"),
                enterprise_id=ENTERPRISE,
                description="trucks block the gate",
                category="dispute",
            ),
        )

    def test_fields_the_producer_adds_are_ignored_in_the_forum_and_in_each_appeal(self) -> None:
        data = wire(forum_held())
        data["collected_appeals"] = [{**a, "urgency": "high"} for a in data["collected_appeals"]]

        event = forums.READS.decode("ForumHeld", 1, {**data, "venue": "the canteen"})

        assert event == read(forums.READS, forum_held())

    def test_another_activity_is_unread_not_a_failure(self) -> None:
        dispute = DisputeMediated(
            activity_id="d-1",
            enterprise_id=ENTERPRISE,
            officer_ids=(POLICE_A,),
            occurred_on=date(2026, 3, 2),
            parties=["甲", "乙"],
            outcome="settled",
            agreement_reached=True,
        )

        event = read(forums.READS, dispute)

        assert isinstance(event, Unread)
        assert event.type_name == "DisputeMediated"
