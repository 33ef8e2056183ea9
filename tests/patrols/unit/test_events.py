"""The public contract: every event round-trips through the service's registry."""

import pytest

from jingzhang.patrols.domain import activity, duty, hazard, visit
from jingzhang.patrols.domain.cadence import plan_duties
from jingzhang.patrols.domain.duty import DutyScheduled, ScheduleDuty, decide_schedule
from jingzhang.patrols.domain.hazard import HazardRectificationOverdue
from jingzhang.patrols.events import REGISTRY
from jingzhang.shared.events import DomainEvent

from .samples import ACTIVITIES, MONDAY, NEXT_MONDAY, at, snapshot
from .samples import visit as sample_visit

SCHEDULED = decide_schedule(duty.DutyState(), ScheduleDuty(plan_duties(snapshot(), MONDAY, NEXT_MONDAY)[0], "a"))
OVERDUE = HazardRectificationOverdue(
    hazard_id="hz-1", enterprise_id="ent-1", rectification_due=MONDAY, detected_on=NEXT_MONDAY
)
EXAMPLES: list[DomainEvent] = [*SCHEDULED, sample_visit(at(MONDAY)), OVERDUE, *ACTIVITIES]


class TestTheContract:
    def test_it_names_every_stream_event(self) -> None:
        assert set(REGISTRY.models) == {
            "DutyScheduled",
            "DutyFulfilled",
            "DutyOverdue",
            "DutyReassigned",
            "PatrolCompleted",
            "HazardFound",
            "HazardRectified",
            "HazardVerified",
            "HazardRectificationOverdue",
            "DisputeMediated",
            "CaseHandled",
            "ServiceOnBehalfHandled",
            "TrainingHeld",
            "LeafletsDistributed",
            "ForumHeld",
            "VisitCadenceChanged",
        }

    @pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: e.event_type)
    def test_an_event_survives_json_and_back(self, event: DomainEvent) -> None:
        data = event.model_dump(mode="json")
        assert REGISTRY.decode(event.event_type, event.schema_version, data) == event

    def test_a_scheduled_duty_keeps_its_period(self) -> None:
        (event,) = SCHEDULED
        assert isinstance(event, DutyScheduled)
        period = event.model_dump(mode="json")["period"]
        assert period == {"key": "2025-W10", "start": "2025-03-03", "end": "2025-03-10"}


class TestEachFoldRefusesForeignEvents:
    @pytest.mark.parametrize(
        ("evolve", "initial"),
        [
            (duty.evolve, duty.DutyState()),
            (visit.evolve, visit.VisitState()),
            (hazard.evolve, hazard.HazardState()),
            (activity.evolve, activity.ActivityState()),
        ],
    )
    def test_an_event_of_another_stream_is_a_programming_error(self, evolve, initial) -> None:
        foreign = OVERDUE if evolve is not hazard.evolve else ACTIVITIES[0]
        with pytest.raises(TypeError, match="not a"):
            evolve(initial, foreign)
