"""The whole system under faults (issue 18 item 2): four service processes, nats-server and PostgreSQL
of their own, a bounded workload across every service while a seeded schedule kills, stops and pauses
them; afterwards every acknowledged command is recorded and published exactly once, every projection
has caught up with nothing parked, and no answer was a 500 or hung. See `tests/chaos/README.md`."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.chaos import report
from tests.chaos.run import run


@pytest.mark.e2e
@pytest.mark.chaos
@pytest.mark.slow(seconds=60)
async def test_the_system_survives_a_seeded_fault_schedule(seeds: list[int], long_schedule: bool) -> None:
    failed = []
    for seed in seeds:
        root = Path(tempfile.mkdtemp(prefix=f"jz-chaos-{seed}-"))
        print(f"\nchaos: seed {seed} ({'long' if long_schedule else 'short'} schedule), state in {root}", flush=True)
        result = await run(seed, long=long_schedule, root=root)
        text = report.render(result)
        print(text, flush=True)
        (root / "report.txt").write_text(text + "\n")
        if result.failed:
            (root / "journal.jsonl").write_text(result.journal.dump())
            failed.append(text)
        else:
            shutil.rmtree(root, ignore_errors=True)
    assert not failed, "\n\n".join(failed)
