"""The stage breakdown of figure 4: each event's stages add up to its latency; partial events are left out."""

import pytest

from bench.e2e import STAGES, Paced, Round, stage_ms, stage_summary


def _round() -> Round:
    run = Paced(issued={"a": 0.0, "b": 1.0, "c": 2.0}, appended={"a": 0.001, "b": 1.002, "c": 2.001})
    stages = {
        "a": {
            "query": 0.002,
            "read": 0.003,
            "sent": 0.004,
            "acked": 0.006,
            "copied": 0.007,
            "pulled": 0.008,
            "fetched": 0.009,
        },
        "b": {
            "query": 1.004,
            "read": 1.005,
            "sent": 1.006,
            "acked": 1.008,
            "copied": 1.009,
            "pulled": 1.009,
            "fetched": 1.010,
        },
        "c": {"query": 2.002},  # never got further: not counted
    }
    return Round(run, {"a": 0.012, "b": 1.020, "c": 2.5}, True, stages, {"send_window": [0.002]}, {"batches": 2})


def test_each_events_stages_add_up_to_its_latency() -> None:
    rnd = _round()
    per = stage_ms(rnd, warmup=0)
    assert len(per) == len(STAGES) - 1
    assert all(len(values) == 2 for values in per.values())  # "c" lacks stages
    assert sum(values[0] for values in per.values()) == pytest.approx(12.0)
    assert sum(values[1] for values in per.values()) == pytest.approx(20.0)
    assert per["appended_query"] == pytest.approx([1.0, 2.0])


def test_the_summary_names_every_stage_and_the_relays_steps() -> None:
    figures = stage_summary([_round()], warmup=1)
    assert figures["e2e_stage_events"] == 1
    assert figures["e2e_stage_fetched_applied_p50_ms"] == pytest.approx(10.0)
    assert figures["e2e_relay_send_window_ms"]["calls"] == 1
    assert figures["e2e_consumer"] == {"batches": 2}
