"""A chaos run in figures: the workload, the faults and their recovery times, what the checker found."""

from collections import Counter, defaultdict

from tests.chaos.faults import Outcome
from tests.chaos.journal import Journal
from tests.chaos.run import Run


def render(run: Run) -> str:
    mode = "long" if run.long else "short"
    lines = [
        f"chaos run, seed {run.seed} ({mode} schedule): {'FAILED' if run.failed else 'passed'}",
        f"  replay: pytest tests/chaos {'--chaos-long ' if run.long else ''}--chaos-seed {run.seed}",
        "  phases: " + ", ".join(f"{k} {v:.0f}s" for k, v in run.phases.items()),
        f"  quiescence after the workload: {_s(run.quiesced_after)}",
        *_workload(run),
        "  faults (t = seconds into the run; recovery from the fault's end):",
        *(_fault(o) for o in run.outcomes),
        f"  services that exited by themselves and were started again: {len(run.exits)}",
        *(f"    {line}" for line in run.exits),
        *_figures(run),
    ]
    if run.failed:
        lines += ["  findings:", run.findings.render()]
    lines.append(f"  state and logs: {run.root}")
    return "\n".join(lines)


def _workload(run: Run) -> list[str]:
    journal = run.journal
    commands = journal.commands
    by_service = Counter(c.service for c in commands)
    kinds = Counter(c.kind for c in commands)
    reads = [a for a in journal.attempts if a.method == "GET" and not a.probe]
    tallies = run.findings.figures.get("commands", {})
    probes = sum(1 for a in journal.attempts if a.probe)
    return [
        f"  workload: {run.scenarios} scenarios, {len(commands)} commands"
        f" ({', '.join(f'{s} {n}' for s, n in sorted(by_service.items()))}), {len(reads)} reads,"
        f" {len(journal.attempts) - probes} requests, {probes} probes",
        "  commands by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())),
        "  outcomes: " + ", ".join(f"{k} {n}" for k, n in sorted(tallies.items())),
        "  answers: " + ", ".join(f"{k} {n}" for k, n in sorted(journal.statuses().items())),
        "  probe answers: " + ", ".join(f"{k} {n}" for k, n in sorted(journal.statuses(probes=True).items())),
        "  refusals: " + ", ".join(f"{k} {n}" for k, n in sorted(journal.codes().items())),
        *_unacknowledged(journal),
        "  latency of answered requests (p50 / p95 / max):",
        *_latencies(journal),
    ]


def _unacknowledged(journal: Journal, limit: int = 10) -> list[str]:
    missing = [c for c in journal.commands if not c.acknowledged]
    lines = [f"  not acknowledged: {len(missing)}"] if missing else []
    for c in missing[:limit]:
        trail = ", ".join(f"t={a.started:.1f}s {a.status or a.failure} {a.code or ''}".rstrip() for a in c.attempts)
        lines.append(f"    {c.service} {c.kind} {c.key}: {trail}")
    return lines


def _latencies(journal: Journal) -> list[str]:
    by_route: dict[str, list[float]] = defaultdict(list)
    for a in journal.attempts:
        if a.answered and not a.probe:
            by_route[f"{a.service} {a.route}"].append(a.ended - a.started)
    lines = []
    for route, took in sorted(by_route.items()):
        took.sort()
        p50, p95 = took[len(took) // 2], took[min(len(took) - 1, int(len(took) * 0.95))]
        lines.append(f"    {route}: {p50:.2f}s / {p95:.2f}s / {took[-1]:.2f}s ({len(took)})")
    return lines


def _fault(outcome: Outcome) -> str:
    answered = ", ".join(f"{s} {_s(t)}" for s, t in sorted(outcome.answered.items()))
    line = (
        f"    t={outcome.started:6.1f}s {outcome.fault.describe():<32} ended t={outcome.ended:6.1f}s;"
        f" answered: {answered}; projections caught up: {_s(outcome.caught_up)}"
    )
    if outcome.lagging:
        line += f"\n      still behind: {outcome.lagging[:3]}"
    if outcome.error:
        line += f"\n      fault failed: {outcome.error}"
    return line


def _figures(run: Run) -> list[str]:
    figures = run.findings.figures
    out = []
    for name in ("events recorded", "projections checked", "figure table"):
        if name in figures:
            out.append(f"  {name}: {figures[name]}")
    return out


def _s(value: float | None) -> str:
    return "not within bound" if value is None else f"{value:.1f}s"
