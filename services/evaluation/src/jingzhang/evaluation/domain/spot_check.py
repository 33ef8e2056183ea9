"""The satisfaction spot check (满意度抽查): draw a reproducible sample, record answers, close.

The sample is `random.Random(seed).sample` over the sorted, de-duplicated population: the same seed and
population always give the same sample (CPython's Mersenne Twister is stable for integer seeds), and
the event records the sample itself, so history never depends on that promise.
"""

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from typing import assert_never

from jingzhang.evaluation.domain.events import (
    SpotCheckAnswerRecorded,
    SpotCheckClosed,
    SpotCheckDrawn,
    SpotCheckEvent,
)
from jingzhang.evaluation.domain.facts import RatingFact, is_satisfied
from jingzhang.evaluation.domain.metrics import Rate
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.errors import DomainRejected, InvalidCommand
from jingzhang.shared.events import DomainEvent

MAX_COMMENT = 500


class SpotCheckStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Answer:
    enterprise_id: str
    satisfied: bool
    level: int
    comment: str
    officer_id: str | None = None

    def same_as(self, other: "Answer") -> bool:
        """Whether `other` repeats this answer; the comment is left out because the recorded one is sealed
        (personal data), never the plaintext a retry carries."""
        return self._key() == other._key()

    def _key(self) -> tuple[str, bool, int, str | None]:
        return self.enterprise_id, self.satisfied, self.level, self.officer_id


@dataclass(frozen=True, slots=True)
class SpotCheckState:
    status: SpotCheckStatus = SpotCheckStatus.NEW
    drawn: SpotCheckDrawn | None = None
    answers: tuple[Answer, ...] = ()

    @property
    def spot_check_id(self) -> str:
        """The id the draw recorded; "" before it."""
        return self.drawn.spot_check_id if self.drawn else ""

    @property
    def sample(self) -> tuple[str, ...]:
        return self.drawn.sample if self.drawn else ()

    def answer_of(self, enterprise_id: str) -> Answer | None:
        return next((a for a in self.answers if a.enterprise_id == enterprise_id), None)


@dataclass(frozen=True, slots=True)
class DrawSpotCheck:
    """What the bureau asks for; None leaves it to the service: a new id, a random seed, the usual size."""

    spot_check_id: str | None = None
    seed: int | None = None
    sample_size: int | None = None


@dataclass(frozen=True, slots=True)
class Draw:
    """A draw as the handler settled it: `sample_size` of the sorted `population`, shuffled by `seed`."""

    spot_check_id: str
    seed: int
    sample_size: int
    population: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordSpotCheckAnswer:
    """A sampled enterprise's answer, about one of its chiefs (`officer_id`) or about its chiefs at large."""

    spot_check_id: str
    enterprise_id: str
    satisfied: bool
    level: int
    comment: str = ""
    expected_version: int | None = None
    officer_id: str | None = None


@dataclass(frozen=True, slots=True)
class CloseSpotCheck:
    spot_check_id: str
    expected_version: int | None = None


def draw_sample(population: Iterable[str], seed: int, size: int) -> tuple[str, ...]:
    return tuple(random.Random(seed).sample(sorted(set(population)), size))


def population_digest(population: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(population))).encode()).hexdigest()


def evolve(state: SpotCheckState, event: DomainEvent) -> SpotCheckState:
    if not isinstance(event, SpotCheckEvent):
        raise TypeError(f"{event.event_type} is not a spot check event")
    match event:
        case SpotCheckDrawn():
            return replace(state, status=SpotCheckStatus.OPEN, drawn=event)
        case SpotCheckAnswerRecorded(enterprise_id=e, satisfied=s, level=level, comment=c, officer_id=o):
            return replace(state, answers=(*state.answers, Answer(e, s, level, c, o)))
        case SpotCheckClosed():
            return replace(state, status=SpotCheckStatus.CLOSED)
        case _:
            assert_never(event)


def decide_draw(
    state: SpotCheckState, draw: Draw, now: datetime, asked: DrawSpotCheck | None = None
) -> list[DomainEvent]:
    """`asked`: what the bureau asked for, of which `draw` is the settling; a retry of a recorded draw is
    judged on it (see `_retried`)."""
    if state.drawn is not None:
        return _retried(state.drawn, asked or DrawSpotCheck(draw.spot_check_id, draw.seed, draw.sample_size))
    population = sorted(set(draw.population))
    if not 1 <= draw.sample_size <= len(population):
        raise InvalidCommand(f"sample size must be 1..{len(population)}", field="sample_size")
    return [
        SpotCheckDrawn(
            spot_check_id=draw.spot_check_id,
            seed=draw.seed,
            population_size=len(population),
            population_digest=population_digest(population),
            sample=draw_sample(population, draw.seed, draw.sample_size),
            drawn_at=now,
        )
    ]


def _retried(drawn: SpotCheckDrawn, asked: DrawSpotCheck) -> list[DomainEvent]:
    """The same id again records nothing when it asks for what was drawn (the seed and size it gives, if
    any; what it leaves to the service was settled by the first draw), and is a duplicate otherwise."""
    same_seed = asked.seed is None or asked.seed == drawn.seed
    same_size = asked.sample_size is None or asked.sample_size == len(drawn.sample)
    if same_seed and same_size:
        return []
    raise DomainRejected(
        f"抽查 {drawn.spot_check_id} 已按其他参数抽取 (spot check {drawn.spot_check_id} was already drawn otherwise)",
        field="spot_check_id",
        code="duplicate",
    )


def decide_answer(state: SpotCheckState, command: RecordSpotCheckAnswer, now: datetime) -> list[DomainEvent]:
    """A retry of a recorded answer records nothing, even once the check is closed; another answer from
    the same enterprise is a duplicate."""
    answer = Answer(command.enterprise_id, command.satisfied, command.level, command.comment, command.officer_id)
    known = state.answer_of(command.enterprise_id)
    if known is not None and known.same_as(answer):
        return []
    if known is not None:
        raise DomainRejected(
            f"{command.enterprise_id} 已作出不同的回答 ({command.enterprise_id} already answered otherwise)",
            field="enterprise_id",
            code="duplicate",
        )
    _check_answer(state, command)
    return [
        SpotCheckAnswerRecorded(
            spot_check_id=command.spot_check_id,
            enterprise_id=command.enterprise_id,
            satisfied=command.satisfied,
            level=command.level,
            comment=command.comment,
            answered_at=now,
            officer_id=command.officer_id,
        )
    ]


def _check_answer(state: SpotCheckState, command: RecordSpotCheckAnswer) -> None:
    _require_open(state)
    if command.enterprise_id not in state.sample:
        raise InvalidCommand(f"{command.enterprise_id} is not in the sample", field="enterprise_id")
    if not 1 <= command.level <= 5:
        raise InvalidCommand("level must be 1..5", field="level")
    if len(command.comment) > MAX_COMMENT:
        raise InvalidCommand(f"comment longer than {MAX_COMMENT} characters", field="comment")


def decide_close(state: SpotCheckState, command: CloseSpotCheck, now: datetime) -> list[DomainEvent]:
    if state.status is SpotCheckStatus.CLOSED:
        return []
    _require_open(state)
    answered = {a.enterprise_id for a in state.answers}
    return [
        SpotCheckClosed(
            spot_check_id=command.spot_check_id,
            answered=len(answered),
            unanswered=tuple(e for e in state.sample if e not in answered),
            closed_at=now,
        )
    ]


def _require_open(state: SpotCheckState) -> None:
    if state.status is SpotCheckStatus.NEW:
        raise DomainRejected("the spot check has not been drawn", code="not_drawn")
    if state.status is SpotCheckStatus.CLOSED:
        raise DomainRejected("the spot check is closed", code="closed")


@dataclass(frozen=True, slots=True)
class SpotCheckComparison:
    """The sample's satisfaction against what the same enterprises reported in their ratings."""

    sampled: Rate
    reported: Rate

    @property
    def gap(self) -> Fraction | None:
        """Reported minus sampled: positive when the ratings look better than the spot check."""
        if self.sampled.value is None or self.reported.value is None:
            return None
        return self.reported.value - self.sampled.value


def compare_with_reported(state: SpotCheckState, ratings: Iterable[RatingFact]) -> SpotCheckComparison:
    sample = set(state.sample)
    theirs = [r for r in ratings if r.enterprise_id in sample]
    answered = [a.enterprise_id for a in state.answers]
    return SpotCheckComparison(
        sampled=Rate.of((a.enterprise_id for a in state.answers if a.satisfied), answered),
        reported=Rate.of((r.fact_id for r in theirs if is_satisfied(r.level)), (r.fact_id for r in theirs)),
    )


SPOT_CHECK: Aggregate[SpotCheckState] = Aggregate("spot_check", SpotCheckState(), evolve)
