"""Figure 8's history is what the producers would record (each stream in order, versions contiguous,
nothing after the cut-off) and evaluation reads all of it; its summary names the keys issue 17 asks for."""

from datetime import UTC, datetime

from bench import reads
from jingzhang.evaluation.projections.facts import PROJECTION as FACTS
from jingzhang.shared.envelope import decode
from jingzhang.shared.readers import Unread

NOW = datetime(2019, 3, 1, tzinfo=UTC)


def test_each_stream_is_recorded_in_order_up_to_now() -> None:
    envelopes = [decode(d.body) for d in reads.History(NOW, enterprises=3).deliveries()]
    seen: dict[tuple[str, str, str], list[tuple[int, datetime]]] = {}
    for env in envelopes:
        seen.setdefault((env.service, env.stream.aggregate_type, env.stream.aggregate_id), []).append(
            (env.version, env.occurred_at)
        )

    assert len({env.event_id for env in envelopes}) == len(envelopes)
    for versions in seen.values():
        assert [v for v, _ in versions] == list(range(1, len(versions) + 1))
        assert [t for _, t in versions] == sorted(t for _, t in versions)
        assert all(t < NOW for _, t in versions)
    assert {env.service for env in envelopes} == {"assignment", "appeals", "patrols", "evaluation"}


def test_evaluation_reads_every_event_of_it() -> None:
    for delivery in reads.History(NOW, enterprises=2).deliveries():
        env = decode(delivery.body)
        assert not isinstance(FACTS.registry.decode(env.event_type, env.schema_version, env.data), Unread)


def test_the_size_follows_the_events_asked_for() -> None:
    now = datetime(2026, 12, 6, tzinfo=UTC)
    enterprises = reads.enterprises_for(100_000, now)
    count = sum(1 for _ in reads.History(now, enterprises).deliveries())

    assert 0.9 * 100_000 <= count <= 1.1 * 100_000


def test_the_summary_has_the_keys_of_issue_17() -> None:
    runs = {
        f"{mode}_{name}": [1.0, 2.0, 3.0] for mode in ("repeat", "past") for name in ("figures", "scorecard", "ranking")
    }

    summary = reads.summary({"events": 10, **runs})

    for name in ("figures", "scorecard", "ranking"):
        assert summary[f"reads_{name}_p50_ms"] == 2.0
        assert summary[f"reads_{name}_p99_ms"] == 3.0
    assert summary["reads_events"] == 10
