"""The enterprises' word on their chiefs (打评评比, 满意度抽查) and the year's ranking (评选标兵、后进).

Each quarter, in its last two weeks, every registered enterprise rates its police chief and its station
chief (the A of each; the rating's period is the quarter's last month), and the bureau runs a
satisfaction spot check: it draws a sample of the enterprises active then (the seed is the plan's, so
the plan knows the sample the evaluation service will draw), records the answers of all but two of
them about their police chief, and closes it. Once the year is over the bureau publishes the ranking.
"""

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from jingzhang.app.demo.calendar import Calendar, workdays
from jingzhang.app.demo.commands import Command, instant
from jingzhang.app.demo.roster import Enterprise, Roster
from jingzhang.app.demo.timeline import Agenda
from jingzhang.evaluation.domain.spot_check import draw_sample

QUARTER_ENDS = (3, 6, 9, 12)
SAMPLE = 16
UNANSWERED = 2
RATED_TIERS = ("police_chief", "station_chief")
PUBLISHED_AT = time(10)


@dataclass(frozen=True, slots=True)
class Verdicts:
    ratings: int
    spot_checks: int
    answers: int
    draw_days: tuple[date, ...]


def plan_verdicts(rng: random.Random, roster: Roster, cal: Calendar, agenda: Agenda) -> Verdicts:
    ratings = answers = 0
    draws: list[date] = []
    for quarter, month in enumerate(QUARTER_ENDS, start=1):
        span = workdays(date(cal.year, month, 14), date(cal.year, month, 26))
        for e in roster.enterprises:
            if e.registered_on < span[0]:
                for tier in RATED_TIERS:
                    agenda.on(rng.choice(span), (_rating(rng, roster, e, tier, f"{cal.year}-{month:02d}"),))
                    ratings += 1
        draw = span[len(span) // 2]
        answers += _spot_check(rng, roster, agenda, f"sc-{cal.year}-q{quarter}", draw, span[-1])
        draws.append(draw)
    return Verdicts(ratings, len(QUARTER_ENDS), answers, tuple(draws))


def _level(rng: random.Random, quality: float) -> int:
    r = rng.random()
    return 5 if r < quality - 0.2 else 4 if r < quality else 3 if r < quality + 0.3 else 2


def _rating(rng: random.Random, roster: Roster, e: Enterprise, tier: str, period: str) -> Command:
    officer = roster.officer(e.chief(tier))
    level = _level(rng, officer.quality)
    body = {
        "enterprise_id": e.enterprise_id,
        "officer_id": officer.officer_id,
        "tier": tier,
        "period": period,
        "level": level,
        "comment": "服务周到" if level >= 4 else "有待提高",
    }
    return Command("evaluation", "/ratings", body, retry=("stale_version", "not_a_chief"))


def _spot_check(rng: random.Random, roster: Roster, agenda: Agenda, check_id: str, day: date, last: date) -> int:
    """Drawn on `day` from the enterprises registered by then; answered over the next days; closed on `last`."""
    seed = rng.randrange(2**31)
    population = [e.enterprise_id for e in roster.enterprises if e.registered_on <= day]
    sample = draw_sample(population, seed, SAMPLE)
    draw = {"spot_check_id": check_id, "seed": seed, "sample_size": SAMPLE}
    agenda.on(day, (Command("evaluation", "/spot-checks", draw, done=("already_drawn",), settled=True),))
    for enterprise_id in sample[: SAMPLE - UNANSWERED]:
        e = roster.enterprise(enterprise_id)
        officer = roster.officer(e.chief("police_chief"))
        level = _level(rng, officer.quality)
        body = {
            "enterprise_id": enterprise_id,
            "satisfied": level >= 4,
            "level": level,
            "comment": "满意" if level >= 4 else "一般",
            "officer_id": officer.officer_id,
        }
        answered = day + timedelta(days=rng.randint(1, (last - day).days))
        agenda.on(answered, (Command("evaluation", f"/spot-checks/{check_id}/answers", body),))
    agenda.on(last + timedelta(days=1), (Command("evaluation", f"/spot-checks/{check_id}/close", {}),))
    return SAMPLE - UNANSWERED


def publish(agenda: Agenda, year: int) -> date:
    """The ranking of `year`, published on the first working day after it."""
    day = workdays(date(year + 1, 1, 2), date(year + 1, 1, 9))[0]
    agenda.add(instant(day, PUBLISHED_AT), (Command("evaluation", f"/rankings/{year}/publish", {}, settled=True),))
    return day
