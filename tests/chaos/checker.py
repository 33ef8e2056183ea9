"""After quiescence: what must hold of a system that went through the faults.

- Answers: every answer was a 2xx, a 4xx or a 503 with `Retry-After`; never another 5xx; no request went
  unanswered past the client's bound unless its service was paused (SIGSTOP) meanwhile.
- Commands: a command answered 2xx recorded its events exactly once (in one append, under the
  correlation id of one of its attempts, with the types and final version the answer gave); a command
  never answered 2xx recorded at most once; an attempt refused (4xx, 503) recorded nothing.
- Event stores: every stream's versions run 1..n.
- JetStream: each service stream holds every recorded event exactly once, nothing else, each aggregate's
  versions 1..n in stream order; its partitioned copy (the run keeps eight partitions) holds each of them
  exactly once too.
- Projections: every projection applied every stream it follows up to the stream's last version, and
  nothing is parked or rejected.
- Read models: each registered enterprise's file shows the chiefs assigned to it; each enterprise's appeal
  list, each patrol ledger, the figure table and the ratings reflect what was acknowledged.
"""

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jingzhang.app.services import SERVICES
from jingzhang.shared.streams import partitioned_stream_name
from tests.chaos.api import Api
from tests.chaos.faults import Outcome
from tests.chaos.journal import CONNECT_TIMEOUT, TIMEOUT, Attempt, Command
from tests.chaos.system import PARTITIONS
from tests.chaos.truth import Follower, Truth, command_events
from tests.chaos.workload import BUREAU_TZ

PAUSE_MARGIN = 2.0
"""Seconds around a pause in which a request to the paused service may go unanswered."""


@dataclass
class Findings:
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, check: str, problem: str) -> None:
        self.problems[check].append(problem)

    @property
    def failed(self) -> bool:
        return any(self.problems.values())

    def render(self, limit: int = 12) -> str:
        parts = []
        for check, problems in self.problems.items():
            if problems:
                shown = "\n    ".join(problems[:limit])
                more = f"\n    ... and {len(problems) - limit} more" if len(problems) > limit else ""
                parts.append(f"  {check}: {len(problems)}\n    {shown}{more}")
        return "\n".join(parts)


def check_answers(attempts: Iterable[Attempt], outcomes: list[Outcome], findings: Findings) -> None:
    pauses = [
        (o.fault.target, o.started - PAUSE_MARGIN, o.ended + PAUSE_MARGIN) for o in outcomes if o.fault.kind == "pause"
    ]
    for a in attempts:
        where = f"t={a.started:.1f}s {a.service} {a.method} {a.route} corr={a.correlation_id}"
        if a.status is not None and a.status >= 500 and a.status != 503:
            findings.add("5xx other than 503", f"{where} -> {a.status} {a.excerpt}")
        elif a.status == 503 and not a.retry_after:
            findings.add("503 without Retry-After", f"{where} -> {a.excerpt}")
        elif a.status is not None and a.status >= 400 and not a.content_type.startswith("application/problem+json"):
            findings.add("error not a problem+json", f"{where} -> {a.status} {a.content_type}")
        elif a.failure in (TIMEOUT, CONNECT_TIMEOUT) and not _paused(a, pauses):
            findings.add("hung past the client's bound", f"{where} ({a.failure}, {a.ended - a.started:.1f}s)")


def _paused(attempt: Attempt, pauses: list[tuple[str, float, float]]) -> bool:
    return any(s == attempt.service and attempt.started < end and attempt.ended > start for s, start, end in pauses)


UNKNOWN = {"unknown_enterprise": "register_enterprise", "unknown_officer": "enrol_officer"}


def check_refusals(commands: list[Command], findings: Findings) -> None:
    """No service may call an enterprise or officer unknown (422: "nobody by that id exists") once its
    registration or enrolment was acknowledged: a client takes that refusal as final."""
    created = {(c.kind, c.key): _acknowledged_at(c) for c in commands if c.kind in UNKNOWN.values()}
    for command in commands:
        for a in command.attempts:
            if a.status != 422 or a.code not in UNKNOWN:
                continue
            for ident in _named(command.body, a.code):
                since = created.get((UNKNOWN[a.code], ident))
                if since is not None and since < a.started:
                    findings.add(
                        "called unknown after its creation was acknowledged",
                        f"t={a.started:.1f}s {command.service} {command.kind} {command.key}: 422 {a.code} {ident},"
                        f" acknowledged at t={since:.1f}s (corr={a.correlation_id})",
                    )


def _acknowledged_at(command: Command) -> float | None:
    return next((a.ended for a in command.attempts if a.ok), None)


def _named(body: dict[str, Any], code: str) -> list[str]:
    if code == "unknown_enterprise":
        return [str(body["enterprise_id"])] if body.get("enterprise_id") else []
    named = list(body.get("officer_ids") or []) + [body[k] for k in ("officer_id",) if body.get(k)]
    return [str(o) for o in named]


async def check_commands(truth: Truth, commands: list[Command], findings: Findings) -> None:
    tally: Counter[str] = Counter()
    for service in SERVICES:
        mine = [c for c in commands if c.service == service]
        rows = await command_events(truth, service, [i for c in mine for i in c.correlation_ids])
        by_correlation: dict[uuid.UUID, list[Any]] = defaultdict(list)
        for row in rows:
            by_correlation[row["correlation_id"]].append(row)
        for command in mine:
            tally.update(_check_command(command, by_correlation, findings))
    findings.figures["commands"] = dict(tally)


def _check_command(command: Command, recorded: dict[uuid.UUID, list[Any]], findings: Findings) -> list[str]:
    """What became of one command: its tallies, its problems added to `findings`."""
    label = f"{command.service} {command.kind} {command.key}"
    batches = {c: [r for r in recorded.get(c, []) if r["causation_id"] is None] for c in command.correlation_ids}
    batches = {c: rows for c, rows in batches.items() if rows}
    tallies = ["sent"]
    for attempt in command.attempts:
        if attempt.answered and not attempt.ok and recorded.get(attempt.correlation_id):  # type: ignore[arg-type]
            if _unconfirmed_commit(command, attempt, batches):
                tallies.append("committed as the database went away (503), the retry answered it")
                continue
            findings.add("refused attempt wrote", f"{label}: {attempt.status} {attempt.code} yet recorded events")
    if command.acknowledged:
        tallies.append("acknowledged")
        expected = command.recorded_events
        if not expected:
            tallies.append("acknowledged, nothing to record")
            if len(batches) > 1:
                findings.add("duplicated", f"{label}: {len(batches)} appends for one command")
            return tallies
        if not batches:
            tallies.append("lost")
            findings.add("lost", f"{label}: answered {command.answer}, nothing recorded (attempts {_trail(command)})")
        elif len(batches) > 1:
            tallies.append("duplicated")
            findings.add("duplicated", f"{label}: {len(batches)} appends ({_trail(command)})")
        else:
            [(correlation_id, rows)] = batches.items()
            if correlation_id != command.attempts[-1].correlation_id:
                tallies.append("recorded by an unanswered attempt, the retry answered it")
            problem = _matches(rows, expected, command.answer or {})
            if problem:
                findings.add("recorded otherwise than answered", f"{label}: {problem}")
    else:
        final = command.final
        tallies.append(f"not acknowledged ({_ending(final)})")
        if len(batches) > 1:
            tallies.append("duplicated")
            findings.add("duplicated", f"{label}: {len(batches)} appends without a 2xx ({_trail(command)})")
        elif batches:
            tallies.append("carried out, answer lost")
    if len(command.attempts) > 1:
        tallies.append("retried")
    return tallies


def _unconfirmed_commit(command: Command, attempt: Attempt, batches: dict[uuid.UUID, list[Any]]) -> bool:
    """A commit whose confirmation the database could not send before it went away: the service cannot
    tell it from a failed one and answers 503 `database_unavailable` ("retry"), and the retry under the
    same id answers what was recorded. Acceptable only so: the command acknowledged, this its one append."""
    return (
        attempt.status == 503
        and attempt.code == "database_unavailable"
        and command.acknowledged
        and list(batches) == [attempt.correlation_id]
    )


def _matches(rows: list[Any], expected: list[str], answer: dict[str, Any]) -> str | None:
    streams = {(r["aggregate_type"], r["aggregate_id"]) for r in rows}
    types = [r["event_type"] for r in rows]
    versions = [r["version"] for r in rows]
    if len(streams) != 1:
        return f"one command appended to {len(streams)} streams: {sorted(streams)}"
    if types != expected:
        return f"recorded {types}, answered {expected}"
    if versions[-1] != answer.get("version") or versions != list(range(versions[0], versions[0] + len(versions))):
        return f"versions {versions}, answered version {answer.get('version')}"
    return None


def _trail(command: Command) -> str:
    return ", ".join(f"{a.status or a.failure}@{a.started:.1f}s corr={a.correlation_id}" for a in command.attempts)


def _ending(attempt: Attempt | None) -> str:
    if attempt is None:
        return "never sent"
    if attempt.status is not None:
        return f"{attempt.status} {attempt.code or ''}".strip()
    return str(attempt.failure)


async def check_stores(truth: Truth, findings: Findings) -> None:
    sizes = {}
    for service in SERVICES:
        rows = await truth.fetch(
            service,
            "SELECT aggregate_type, aggregate_id, count(*) AS n, min(version) AS lo, max(version) AS hi"
            " FROM es.events GROUP BY 1, 2 HAVING min(version) <> 1 OR max(version) <> count(*)",
        )
        for r in rows:
            findings.add(
                "event store versions",
                f"{service} {r['aggregate_type']}/{r['aggregate_id']}: {r['n']} events, versions {r['lo']}..{r['hi']}",
            )
        sizes[service] = len(await truth.fetch(service, "SELECT 1 FROM es.events"))
    findings.figures["events recorded"] = sizes


async def check_streams(truth: Truth, findings: Findings) -> None:
    for service in SERVICES:
        stored = {
            r["event_id"]: r
            for r in await truth.fetch(service, "SELECT event_id, aggregate_type, aggregate_id, version FROM es.events")
        }
        published = await truth.service_stream(service)
        _exactly_once(f"JZ_{service.upper()}", stored, [env.event_id for _, _, env in published], findings)
        seen: dict[tuple[str, str], int] = defaultdict(int)
        for seq, _, env in published:
            key = (env.stream.aggregate_type, env.stream.aggregate_id)
            seen[key] += 1
            if env.version != seen[key]:
                findings.add(
                    "stream order", f"JZ_{service.upper()} seq {seq}: {key} version {env.version}, expected {seen[key]}"
                )
                seen[key] = env.version
        copied = [env.event_id for _, _, env in await truth.partitioned_stream(service)]
        _exactly_once(partitioned_stream_name(service, PARTITIONS), stored, copied, findings)


def _exactly_once(stream: str, stored: dict[uuid.UUID, Any], published: list[uuid.UUID], findings: Findings) -> None:
    counts = Counter(published)
    for event_id, n in counts.items():
        if n > 1:
            findings.add("duplicated in JetStream", f"{stream}: event {event_id} {n} times")
        if event_id not in stored:
            findings.add("in JetStream, not in the store", f"{stream}: event {event_id}")
    for event_id, row in stored.items():
        if event_id not in counts:
            findings.add(
                "missing from JetStream",
                f"{stream}: {row['aggregate_type']}/{row['aggregate_id']} v{row['version']} ({event_id})",
            )


async def check_projections(truth: Truth, followers: list[Follower], findings: Findings) -> None:
    versions = await truth.all_versions()
    for follower in followers:
        for late in await truth.behind(follower, versions[follower.source]):
            findings.add("projection behind", f"{follower.name}: {late}")
    for service, projection in sorted({(f.service, f.projection) for f in followers}):
        schema = f'"proj_{projection}"'
        for table in ("_parked", "_parked_streams", "_rejected"):
            rows = await truth.fetch(service, f"SELECT * FROM {schema}.{table} LIMIT 20")
            for r in rows:
                detail = {k: v for k, v in dict(r).items() if k != "body"}
                findings.add(f"{table} not empty", f"{service}.{projection}: {detail}")
    findings.figures["projections checked"] = len({(f.service, f.projection) for f in followers})


async def check_read_models(api: Api, truth: Truth, commands: list[Command], findings: Findings) -> None:
    acked = [c for c in commands if c.acknowledged]
    await _enterprise_files(api, acked, findings)
    await _appeal_lists(api, acked, findings)
    await _ledgers(api, acked, findings)
    await _figures(api, truth, findings)


async def _enterprise_files(api: Api, acked: list[Command], findings: Findings) -> None:
    chiefs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in acked:
        if c.kind == "assign_chief":
            ent, tier, slot = c.key.split("/")
            chiefs[ent].add((tier, slot))
    for c in acked:
        if c.kind != "register_enterprise":
            continue
        found = await api.read("assignment", f"/enterprises/{c.key}", route="check GET /enterprises/{id}")
        if found is None:
            findings.add("enterprise file", f"{c.key}: registered (acknowledged), no file")
            continue
        shown = {(t["tier"], t["slot"]) for t in found["chiefs"]}
        if not chiefs[c.key] <= shown:
            findings.add("enterprise file", f"{c.key}: assigned {sorted(chiefs[c.key])}, file shows {sorted(shown)}")


async def _appeal_lists(api: Api, acked: list[Command], findings: Findings) -> None:
    raised: dict[str, set[str]] = defaultdict(set)
    for c in acked:
        if c.kind == "raise_appeal":
            raised[c.key.rsplit("-", 1)[0].replace("ap-", "ent-", 1)].add(c.key)
    for ent, appeals in raised.items():
        found = await api.read("appeals", f"/enterprises/{ent}/appeals", route="check GET /enterprises/{id}/appeals")
        shown = {a["appeal_id"] for a in found or []}
        if not appeals <= shown:
            findings.add("appeal list", f"{ent}: raised {sorted(appeals - shown)} not listed")


async def _ledgers(api: Api, acked: list[Command], findings: Findings) -> None:
    work: dict[str, set[str]] = defaultdict(set)
    for c in acked:
        if c.service == "patrols":
            work["ent-" + c.key.split("-", 1)[1]].add(c.key)
    for ent, refs in work.items():
        found = await api.read("patrols", f"/enterprises/{ent}/ledger", route="check GET /enterprises/{id}/ledger")
        shown = {line["ref_id"] for line in found or []}
        if not refs <= shown:
            findings.add("patrol ledger", f"{ent}: recorded {sorted(refs - shown)} not in the ledger")


async def _figures(api: Api, truth: Truth, findings: Findings) -> None:
    """The figure table of the run's days against the same figures counted from the event stores."""
    today = datetime.now(BUREAU_TZ).date()
    start, end = today - timedelta(days=2), today + timedelta(days=2)
    table = await api.read(
        "evaluation", "/figures", route="check GET /figures", **{"from": start.isoformat(), "to": end.isoformat()}
    )
    if table is None:
        findings.add("figure table", "GET /figures did not answer 200")
        return
    expected = await _expected_figures(truth, start, end)
    shown = {name: table[name]["total"] for name in expected}
    for name, value in expected.items():
        if shown[name] != value:
            findings.add("figure table", f"{name}: table {shown[name]}, event stores {value}")
    findings.figures["figure table"] = shown


async def _expected_figures(truth: Truth, start: date, end: date) -> dict[str, int]:
    patrols = await truth.fetch(
        "patrols",
        "SELECT event_type, data FROM es.events WHERE event_type = ANY($1::text[])",
        ["LeafletsDistributed", "PatrolCompleted", "DisputeMediated"],
    )
    assignment = await truth.fetch(
        "assignment",
        "SELECT event_type, data FROM es.events WHERE event_type = ANY($1::text[])",
        ["OfficerEnrolled", "EnterpriseRegistered"],
    )
    leaflets = [_json(r["data"]) for r in patrols if r["event_type"] == "LeafletsDistributed"]
    patrols_done = [_json(r["data"]) for r in patrols if r["event_type"] == "PatrolCompleted"]
    classes = Counter(
        _json(r["data"])["enterprise_class"] for r in assignment if r["event_type"] == "EnterpriseRegistered"
    )
    in_period = [d for d in leaflets if start <= date.fromisoformat(d["occurred_on"]) < end]
    joint = [d for d in patrols_done if d["kind"] == "joint_patrol"]
    return {
        "officers_in_scheme": sum(1 for r in assignment if r["event_type"] == "OfficerEnrolled"),
        "city_key_projects": classes["city_key_project"],
        "district_key_projects": classes["district_key_project"],
        "above_scale_enterprises": classes["above_scale"],
        "small_micro_enterprises": classes["small_micro"],
        "leaflets": sum(int(d["count"]) for d in in_period),
        "patrol_person_times": sum(int(d["person_times"]) for d in joint),
        "disputes_mediated": sum(1 for r in patrols if r["event_type"] == "DisputeMediated"),
    }


def _json(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)
