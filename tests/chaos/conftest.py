"""Options of the chaos suite: `--chaos-long` (a longer schedule, several seeds), `--chaos-seed N` (replay
one seed), `--chaos-seeds K` (how many seeds the long run tries)."""

import random

import pytest

SHORT_TIMEOUT = 900
SEEDS = pytest.StashKey[list[int]]()
LONG_TIMEOUT_PER_SEED = 1200


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos")
    group.addoption("--chaos", action="store_true", help="chaos suite: run the whole-system fault schedule (short)")
    group.addoption("--chaos-long", action="store_true", help="chaos suite: the long schedule, several seeds")
    group.addoption("--chaos-seed", type=int, default=None, help="chaos suite: run this seed only (replay)")
    group.addoption("--chaos-seeds", type=int, default=3, help="chaos suite: seeds the long run tries")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: the whole system under a seeded fault schedule")


def chaos_seeds(config: pytest.Config) -> list[int]:
    """The given seed, or fresh ones (drawn once per session, printed by the test, replayable)."""
    if SEEDS not in config.stash:
        given = config.getoption("--chaos-seed")
        first = given if given is not None else random.SystemRandom().randrange(1, 1_000_000)
        count = config.getoption("--chaos-seeds") if config.getoption("--chaos-long") and given is None else 1
        config.stash[SEEDS] = [first + n for n in range(count)]
    return config.stash[SEEDS]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A timeout that fits the schedule (the suite's default 300 s does not).

    The fault schedule runs when asked for (`--chaos`, `--chaos-long`, `--chaos-seed`); the checker's
    own tests always run. Not yet in the default run: it finds a defect that is still open (an enterprise
    assignment acknowledged a moment ago is answered 422 `unknown_enterprise` by another service while
    its event is still on its way; see tests/chaos/README.md), and a run that must fail cannot gate CI.
    """
    wanted = any(config.getoption(o) for o in ("--chaos", "--chaos-long")) or config.getoption("--chaos-seed")
    if not wanted:
        deselected = [i for i in items if i.get_closest_marker("chaos") is not None]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = [i for i in items if i.get_closest_marker("chaos") is None]
        return
    long = config.getoption("--chaos-long")
    seeds = len(chaos_seeds(config))
    for item in items:
        if item.get_closest_marker("chaos") is not None:
            item.add_marker(pytest.mark.timeout(LONG_TIMEOUT_PER_SEED * seeds if long else SHORT_TIMEOUT))


@pytest.fixture(scope="session")
def seeds(request: pytest.FixtureRequest) -> list[int]:
    return chaos_seeds(request.config)


@pytest.fixture(scope="session")
def long_schedule(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--chaos-long"))
