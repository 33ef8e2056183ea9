"""The per-officer scorecard (一警一评一考) for any business period, as the bureau knew it at an instant.

Credit follows whoever acted: an appeal counts for the officer recorded as acting on it, whether A or
B; an activity counts once for each officer who took part. Rates are None when there was nothing to
measure, and every number keeps the fact ids behind it (`Scorecard.evidence`).

A scorecard is taken `as_of` an instant (reading it now means as of now): it sees the facts learned by
then, and a rate measures only what was due by then. What is not due yet is pending, neither a hit
nor a miss (`Rate.pending_ids`), so an appeal a few minutes old never reads as a missed response:
- response rate: appeals answered, or whose first-response limit has passed;
- on-time closure: appeals closed, or past their due time; reopen rate: appeals closed at least once;
  an officer answers for the limits still running when the appeal reached them: one that ran out at
  the duty desk (or before a late entry) is charged to nobody, as the appeals service records it;
- visit compliance: duties due in the period that were done or are past due;
- resolution and satisfaction (the callback's): rated appeals; satisfied means level >= 4 of 5;
- ratings (打评): the enterprises' ratings of the officer for periods inside this one, averaged;
- spot checks (满意度抽查): the answers about the officer given in the period, the satisfied share.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from fractions import Fraction

from jingzhang.evaluation.domain.facts import (
    ActivityFact,
    AppealFact,
    DutyFact,
    Facts,
    SpotCheckFact,
    is_satisfied,
)
from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import Period
from jingzhang.evaluation.domain.vocabulary import ActivityKind, Slot


@dataclass(frozen=True, slots=True)
class Scorecard:
    officer_id: str
    period: Period
    as_of: datetime
    appeals_handled: Tally
    appeals_as_a: Tally
    appeals_as_b: Tally
    response_rate: Rate
    resolution_rate: Rate
    satisfaction_rate: Rate
    on_time_closure: Rate
    reopen_rate: Rate
    visit_compliance: Rate
    hazards_rectified: Tally
    disputes_mediated: Tally
    services_on_behalf: Tally
    obstruction_cases: Tally
    legal_trainings: Tally
    patrol_person_times: Tally
    trainings_attended: Tally
    ratings_received: Tally
    ratings_average: Fraction | None
    spot_check_satisfaction: Rate

    @property
    def rated_appeals(self) -> int:
        return self.satisfaction_rate.denominator

    @property
    def sample(self) -> int:
        """What the enterprises said about the officer: ratings, rated appeals and spot-check answers."""
        return self.ratings_received.total + self.rated_appeals + self.spot_check_satisfaction.denominator

    @property
    def activity_volume(self) -> int:
        """Services, hazards, disputes, cases, legal trainings and patrols, each counted once."""
        parts = (
            self.hazards_rectified,
            self.disputes_mediated,
            self.services_on_behalf,
            self.obstruction_cases,
            self.legal_trainings,
            self.patrol_person_times,
        )
        return sum(part.total for part in parts)

    def evidence(self) -> dict[str, tuple[str, ...]]:
        """Per metric, the ids of the facts (events) it was computed from."""
        return {
            f.name: value.fact_ids for f in fields(self) if isinstance(value := getattr(self, f.name), Tally | Rate)
        }


def scorecard(officer_id: str, period: Period, facts: Facts, as_of: datetime) -> Scorecard:
    return scorecard_of_known(officer_id, period, facts.known_at(as_of), as_of)


def scorecard_of_known(officer_id: str, period: Period, known: Facts, as_of: datetime) -> Scorecard:
    """`scorecard` of facts already rewound to `as_of` (`Facts.known_at`), for many officers at once."""
    appeals = [a for a in known.appeals if a.officer_id == officer_id and period.contains(a.raised_at)]
    ratings = [r for r in known.ratings if r.officer_id == officer_id and period.covers(r.period)]
    done = [a for a in known.activities if officer_id in a.officer_ids and period.contains(a.at)]
    duties = [d for d in known.duties if d.officer_id == officer_id]
    return Scorecard(
        officer_id=officer_id,
        period=period,
        as_of=as_of,
        appeals_handled=_appeals_in(appeals),
        appeals_as_a=_appeals_in(appeals, Slot.A),
        appeals_as_b=_appeals_in(appeals, Slot.B),
        response_rate=_due_rate([a for a in appeals if _response_charged(a)], _responded_in_time, _response_due(as_of)),
        resolution_rate=_rate(appeals, _resolved, _rated),
        satisfaction_rate=_rate(appeals, _satisfied, _rated),
        on_time_closure=_due_rate([a for a in appeals if _closure_charged(a)], _closed_in_time, _closure_due(as_of)),
        reopen_rate=_rate(appeals, _reopened, _closed_once),
        visit_compliance=visit_compliance(duties, period, as_of),
        hazards_rectified=_activities(done, ActivityKind.HAZARD_RECTIFIED),
        disputes_mediated=_activities(done, ActivityKind.DISPUTE_MEDIATED),
        services_on_behalf=_activities(done, ActivityKind.SERVICE_ON_BEHALF),
        obstruction_cases=_activities(done, ActivityKind.OBSTRUCTION_CASE),
        legal_trainings=_activities(done, ActivityKind.LEGAL_TRAINING),
        patrol_person_times=_activities(done, ActivityKind.PATROL),
        trainings_attended=_activities(done, ActivityKind.CHIEF_TRAINING),
        ratings_received=Tally.of(r.fact_id for r in ratings),
        ratings_average=_average([r.level for r in ratings]),
        spot_check_satisfaction=_spot_checks(known.spot_checks, officer_id, period),
    )


def visit_compliance(duties: Iterable[DutyFact], period: Period, as_of: datetime) -> Rate:
    """Duties due in the period, done or past due at `as_of`; hits were done by their due time. The
    rest (not yet due, not done) are pending."""
    in_period = [d for d in duties if period.contains(d.due_at)]
    due = [d for d in in_period if _measurable(d.due_at, d.done_at, as_of)]
    pending = (d.fact_id for d in in_period if not _measurable(d.due_at, d.done_at, as_of))
    return Rate.of((d.fact_id for d in due if d.on_time), (d.fact_id for d in due), pending)


AppealTest = Callable[[AppealFact], bool]


def _rate(appeals: list[AppealFact], hit: AppealTest, counted: AppealTest) -> Rate:
    population = [a for a in appeals if counted(a)]
    return Rate.of((a.fact_id for a in population if hit(a)), (a.fact_id for a in population))


def _due_rate(appeals: list[AppealFact], hit: AppealTest, due: AppealTest) -> Rate:
    """A rate over the appeals that are due; the others are pending."""
    population = [a for a in appeals if due(a)]
    pending = (a.fact_id for a in appeals if not due(a))
    return Rate.of((a.fact_id for a in population if hit(a)), (a.fact_id for a in population), pending)


def _appeals_in(appeals: list[AppealFact], slot: Slot | None = None) -> Tally:
    return Tally.of(a.fact_id for a in appeals if slot is None or a.slot is slot)


def _measurable(due: datetime, happened: datetime | None, as_of: datetime) -> bool:
    """It happened, or its deadline has passed."""
    return happened is not None or due <= as_of


def _response_due(as_of: datetime) -> AppealTest:
    return lambda a: _measurable(a.first_response_due, a.first_response_at, as_of)


def _closure_due(as_of: datetime) -> AppealTest:
    return lambda a: _measurable(a.due_at, a.closed_at, as_of)


def _response_charged(a: AppealFact) -> bool:
    return a.reached_in_time(a.first_response_due)


def _closure_charged(a: AppealFact) -> bool:
    return a.reached_in_time(a.due_at)


def _responded_in_time(a: AppealFact) -> bool:
    return a.first_response_at is not None and a.first_response_at <= a.first_response_due


def _closed_in_time(a: AppealFact) -> bool:
    return a.closed_at is not None and a.closed_at <= a.due_at


def _rated(a: AppealFact) -> bool:
    return a.rating is not None


def _resolved(a: AppealFact) -> bool:
    return a.rating is not None and a.rating.resolved


def _satisfied(a: AppealFact) -> bool:
    return a.rating is not None and is_satisfied(a.rating.level)


def _reopened(a: AppealFact) -> bool:
    return bool(a.reopened_at)


def _closed_once(a: AppealFact) -> bool:
    return a.closed_at is not None or bool(a.reopened_at)


def _activities(done: list[ActivityFact], kind: ActivityKind) -> Tally:
    return Tally.of(a.fact_id for a in done if a.kind is kind)


def _spot_checks(answers: Iterable[SpotCheckFact], officer_id: str, period: Period) -> Rate:
    mine = [s for s in answers if officer_id in s.officer_ids and period.contains(s.answered_at)]
    return Rate.of((s.fact_id for s in mine if s.satisfied), (s.fact_id for s in mine))


def _average(levels: list[int]) -> Fraction | None:
    return Fraction(sum(levels), len(levels)) if levels else None
