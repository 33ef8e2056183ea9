"""The report's figure table for any business period, as the bureau knew it at any instant.

Two clocks (see `facts`): the period `[start, end)` is business time, when things happened in the
scheme; `as_of` is knowledge time, and anything learned after it is ignored, so the table shows what
the bureau could have known then.

- Standing figures: the officers, enterprises (by class) and police offices that existed at some time
  in the period. An enterprise reclassified during the period counts once, in the last class it had
  in it. For a whole year in which nothing closed these are the standing figures at the year's end.
- Coverage is read for each enterprise counted, at its last moment in the period (the period's end,
  or its closing if earlier): the share with at least `MIN_CHIEFS` distinct chiefs, and the share of
  key enterprises (all but small/micro, which the 四有 rule does not bind) with a police office.
- Counts of work (forums, services, hazards, disputes, cases, trainings, leaflets, patrols) add up the
  `count` of the facts that happened in the period; the appeals collected at a forum count on the
  forum's day, like the forum.
- Visit compliance: the duties due in the period, measured as of `as_of` (not yet due: pending).
- Added after the report's rows (issue 14): major-risk disputes defused, the yuan of losses recovered and
  the recurring problems found.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from jingzhang.evaluation.domain.facts import ActivityFact, ChiefTermFact, EnterpriseFact, Facts, Span
from jingzhang.evaluation.domain.metrics import Rate, Tally
from jingzhang.evaluation.domain.period import BUREAU_TZ, Period
from jingzhang.evaluation.domain.scorecard import visit_compliance
from jingzhang.evaluation.domain.vocabulary import ActivityKind, EnterpriseClass

MIN_CHIEFS = 3


@dataclass(frozen=True, slots=True)
class FigureTable:
    period: Period
    as_of: datetime
    officers_in_scheme: Tally
    chiefs_per_enterprise_min: int | None
    city_key_projects: Tally
    district_key_projects: Tally
    above_scale_enterprises: Tally
    small_micro_enterprises: Tally
    police_offices: Tally
    forums_held: Tally
    forum_appeals: Tally
    services_on_behalf: Tally
    hazards_rectified: Tally
    disputes_mediated: Tally
    obstruction_cases: Tally
    legal_trainings: Tally
    leaflets: Tally
    patrol_person_times: Tally
    enterprises_with_min_chiefs: Rate
    key_enterprises_with_office: Rate
    visit_compliance: Rate
    # issue 14, after the report's rows so they stay as they were: rows the seed names but does not count
    major_risk_disputes_defused: Tally
    """Disputes that could have become a major risk (重大风险隐患), mediated in the period."""
    losses_recovered_yuan: Tally
    """Losses recovered for enterprises by case work in the period (挽回损失), in yuan; its facts the cases."""
    recurring_problems: Tally
    """Recurring problems (clusters of similar appeals) found in the period."""


def figure_table(facts: Facts, period_start: datetime, period_end: datetime, as_of: datetime) -> FigureTable:
    period = Period(period_start, period_end)
    known = facts.known_at(as_of)
    enterprises = _enterprises_in(known.enterprises, period)
    closing = {e: _last_moment(fact.span, period) for e, fact in enterprises.items()}
    chiefs = _chiefs_at(known.chief_terms, closing)
    offices = [p for p in known.police_offices if p.span.overlaps(period) and p.enterprise_id in enterprises]
    with_office = {p.enterprise_id for p in offices if _held_to(p.span, closing[p.enterprise_id])}
    done = [a for a in known.activities if period.contains(a.at)]
    staffed = [e for e in enterprises if len(chiefs[e]) >= MIN_CHIEFS]
    key = [e.enterprise_id for e in enterprises.values() if e.enterprise_class.is_key]
    forum_appeals = [a.fact_id for a in known.appeals if a.forum_id and period.contains(a.counted_at)]
    return FigureTable(
        period=period,
        as_of=as_of,
        officers_in_scheme=Tally.of(o.officer_id for o in known.officers if o.span.overlaps(period)),
        chiefs_per_enterprise_min=min((len(chiefs[e]) for e in enterprises), default=None),
        city_key_projects=_of_class(enterprises.values(), EnterpriseClass.CITY_KEY_PROJECT),
        district_key_projects=_of_class(enterprises.values(), EnterpriseClass.DISTRICT_KEY_PROJECT),
        above_scale_enterprises=_of_class(enterprises.values(), EnterpriseClass.ABOVE_SCALE),
        small_micro_enterprises=_of_class(enterprises.values(), EnterpriseClass.SMALL_MICRO),
        police_offices=Tally.of(p.office_id for p in offices),
        forums_held=_sum(done, ActivityKind.FORUM),
        forum_appeals=Tally.of(forum_appeals),
        services_on_behalf=_sum(done, ActivityKind.SERVICE_ON_BEHALF),
        hazards_rectified=_sum(done, ActivityKind.HAZARD_RECTIFIED),
        disputes_mediated=_sum(done, ActivityKind.DISPUTE_MEDIATED),
        obstruction_cases=_sum(done, ActivityKind.OBSTRUCTION_CASE),
        legal_trainings=_sum(done, ActivityKind.LEGAL_TRAINING),
        leaflets=_sum(done, ActivityKind.LEAFLETS),
        patrol_person_times=_sum(done, ActivityKind.PATROL),
        enterprises_with_min_chiefs=Rate.of(staffed, enterprises),
        key_enterprises_with_office=Rate.of((e for e in key if e in with_office), key),
        visit_compliance=visit_compliance(known.duties, period, as_of),
        major_risk_disputes_defused=_sum(done, ActivityKind.MAJOR_RISK_DEFUSED),
        losses_recovered_yuan=_sum(done, ActivityKind.LOSSES_RECOVERED),
        recurring_problems=_sum(done, ActivityKind.RECURRING_PROBLEM),
    )


def _enterprises_in(facts: Iterable[EnterpriseFact], period: Period) -> dict[str, EnterpriseFact]:
    """The enterprises that existed in the period, each as its latest-starting span in it has it."""
    latest: dict[str, EnterpriseFact] = {}
    for fact in sorted(facts, key=lambda f: (f.span.active_from, f.fact_id)):
        if fact.span.overlaps(period):
            latest[fact.enterprise_id] = fact
    return latest


def _last_moment(span: Span, period: Period) -> datetime:
    return period.end if span.active_until is None else min(span.active_until, period.end)


def _held_to(span: Span, moment: datetime) -> bool:
    """Whether it began before `moment` and still held up to it."""
    return span.active_from < moment and (span.active_until is None or span.active_until >= moment)


def _chiefs_at(terms: Iterable[ChiefTermFact], closing: dict[str, datetime]) -> dict[str, set[str]]:
    chiefs: dict[str, set[str]] = defaultdict(set)
    for term in terms:
        moment = closing.get(term.enterprise_id)
        if moment is not None and _held_to(term.span, moment):
            chiefs[term.enterprise_id].add(term.officer_id)
    return {e: chiefs[e] for e in closing}


def _of_class(enterprises: Iterable[EnterpriseFact], cls: EnterpriseClass) -> Tally:
    return Tally.of(e.enterprise_id for e in enterprises if e.enterprise_class is cls)


def _sum(done: Iterable[ActivityFact], kind: ActivityKind) -> Tally:
    mine = [a for a in done if a.kind is kind]
    return Tally.of((a.fact_id for a in mine), total=sum(a.count for a in mine))


CSV_HEADER = ("figure", "value", "numerator", "denominator")


def figure_rows(table: FigureTable) -> list[tuple[str, str, str, str]]:
    """One row per figure: counts in `value`; rates as a percentage with their parts; blanks for None."""
    start, end, as_of = (
        at.astimezone(BUREAU_TZ).isoformat() for at in (table.period.start, table.period.end, table.as_of)
    )
    rows = [("period", f"{start}/{end}", "", ""), ("as_of", as_of, "", "")]
    for f in fields(table):
        value = getattr(table, f.name)
        if isinstance(value, Tally):
            rows.append((f.name, str(value.total), "", ""))
        elif isinstance(value, Rate):
            rows.append((f.name, _blank(value.percent), str(value.numerator), str(value.denominator)))
        elif f.name == "chiefs_per_enterprise_min":
            rows.append((f.name, _blank(value), "", ""))
    return rows


def figure_table_csv(table: FigureTable) -> str:
    # StringIO is an in-memory buffer: the csv module's quoting rules without any real I/O.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(figure_rows(table))
    return buffer.getvalue()


def _blank(value: object) -> str:
    return "" if value is None else str(value)
