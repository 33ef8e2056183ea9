"""The published event contract and the policy objects other modules build on."""

from datetime import timedelta

import pytest

from jingzhang.appeals.domain import events as ev
from jingzhang.appeals.domain.departments import DEFAULT_DIRECTORY
from jingzhang.appeals.domain.policy import TimeLimits
from jingzhang.appeals.domain.state import evolve
from jingzhang.appeals.domain.timer import Timer
from jingzhang.appeals.domain.vocabulary import Category, DeadlineKind, HoldReason
from jingzhang.appeals.events import REGISTRY
from jingzhang.shared.events import DomainEvent

from .samples import HOUR, T0, acknowledged, given, raised, referred, resolved


class TestEventContract:
    @pytest.mark.parametrize(
        "event",
        [
            *raised(),
            acknowledged(),
            referred(T0 + HOUR),
            resolved(),
            ev.AppealHeldAtDutyDesk(reason=HoldReason.ENTERPRISE_NOT_YET_KNOWN, held_at=T0),
            ev.DeadlinePassedAtDutyDesk(kind=DeadlineKind.FIRST_RESPONSE, due_at=T0, passed_at=T0 + HOUR),
        ],
    )
    def test_events_survive_the_wire(self, event: DomainEvent) -> None:
        data = event.model_dump(mode="json")

        assert REGISTRY.decode(event.event_type, event.schema_version, data) == event

    def test_an_appeal_raised_before_receipts_were_recorded_still_decodes(self) -> None:
        [raised_, _] = raised()
        data = {k: v for k, v in raised_.model_dump(mode="json").items() if k != "received_at"}

        older = REGISTRY.decode("AppealRaised", 1, data)

        assert isinstance(older, ev.AppealRaised)
        assert (older.received_at, older.received) == (None, raised_.raised_at)

    def test_every_event_type_is_registered_once(self) -> None:
        assert len(REGISTRY.models) == 32  # the appeal's 22, TimeLimitChanged, 4 of recurring problems, 5 of matters

    def test_an_event_before_the_appeal_was_raised_is_a_corrupt_stream(self) -> None:
        with pytest.raises(ValueError, match="before AppealRaised"):
            given(acknowledged())

    def test_another_aggregates_event_is_refused(self) -> None:
        class Stranger(DomainEvent):
            pass

        with pytest.raises(TypeError):
            evolve(given(raised()), Stranger())


class TestPolicy:
    def test_a_policy_missing_a_category_is_refused(self) -> None:
        with pytest.raises(ValueError, match="every"):
            TimeLimits(category_class={Category.OTHER: "general"})  # type: ignore[dict-item]

    @pytest.mark.parametrize("fraction", [0.0, 1.0])
    def test_the_warning_fraction_lies_strictly_inside_the_window(self, fraction: float) -> None:
        with pytest.raises(ValueError, match="warning_fraction"):
            TimeLimits(warning_fraction=fraction)

    def test_the_directory_has_the_departments_named_in_the_report(self) -> None:
        names = {d.name_zh for d in DEFAULT_DIRECTORY}

        assert {"党群局", "综治办", "经发局", "城管执法大队"} <= names


class TestTimer:
    def test_paused_time_is_not_spent(self) -> None:
        timer = Timer.start(timedelta(hours=10), 0.8, T0)

        timer = timer.pause(T0 + timedelta(hours=2)).resume(T0 + timedelta(hours=50))

        assert timer.remaining(T0 + timedelta(hours=51)) == timedelta(hours=7)
        assert timer.due_at == T0 + timedelta(hours=58)
