"""Options of the chaos suite: the short schedule runs in every run of the suite with a fresh seed;
`--chaos-long` (a longer schedule, several seeds), `--chaos-seed N` (replay one seed), `--chaos-seeds K`
(how many seeds the long run tries), `--no-chaos` (leave the schedule out, e.g. while iterating locally)."""

import random

import pytest

SHORT_TIMEOUT = 900
SEEDS = pytest.StashKey[list[int]]()
LONG_TIMEOUT_PER_SEED = 1200


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos")
    group.addoption("--chaos", action="store_true", help="chaos suite: the short schedule (the default)")
    group.addoption("--no-chaos", action="store_true", help="chaos suite: leave the fault schedule out of this run")
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

    The short schedule runs by default (a fresh seed each run, printed for replay); `--no-chaos` leaves it
    out unless a long run or a seed is asked for. The checker's own tests always run.
    """
    asked = config.getoption("--chaos-long") or config.getoption("--chaos-seed") is not None
    if config.getoption("--no-chaos") and not asked:
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
