"""The runner's steps against stand-ins of the services' HTTP API (`GET`/`PUT /clock`, commands): what a
step settles (the services its settled commands need, not every service), in which order it moves the
clocks, settles and sends, and that chains needing nothing settled do not wait for the settling."""

import json
from collections.abc import Mapping
from datetime import datetime

import httpx

from jingzhang.app.demo.commands import BUREAU_TZ, Command
from jingzhang.app.demo.runner import Runner
from jingzhang.app.demo.timeline import Step

AT = datetime(2025, 3, 3, 17, 30, tzinfo=BUREAU_TZ)
FOLLOWS = {
    "assignment": ["assignment"],
    "appeals": ["appeals", "assignment", "patrols"],
    "patrols": ["assignment", "patrols"],
    "evaluation": ["appeals", "assignment", "evaluation", "patrols"],
}


class Services:
    """Every service's answers, and the requests in the order they came. `busy` services report
    something on its way until a command other than an appeal has been answered."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, str]] = []
        self.busy: set[str] = set()

    def clients(self) -> Mapping[str, httpx.AsyncClient]:
        return {name: self._client(name) for name in FOLLOWS}

    def _client(self, name: str) -> httpx.AsyncClient:
        def answer(request: httpx.Request) -> httpx.Response:
            self.log.append((name, request.method, request.url.path))
            if request.url.path == "/clock" and request.method == "GET":
                reading = {"now": AT.isoformat(), "unsettled": int(name in self.busy), "follows": FOLLOWS[name]}
                return httpx.Response(200, json=reading)
            if request.url.path == "/clock":
                return httpx.Response(200, json={"now": json.loads(request.content)["now"], "passes": {}})
            if request.url.path != "/appeals":
                self.busy.clear()
            return httpx.Response(201, json={})

        return httpx.AsyncClient(base_url=f"http://{name}", transport=httpx.MockTransport(answer))

    def asked(self, method: str, path: str) -> set[str]:
        return {name for name, m, p in self.log if (m, p) == (method, path)}

    def index(self, name: str, method: str, path: str) -> int:
        return self.log.index((name, method, path))


def appeal() -> Command:
    return Command("appeals", "/appeals", {"appeal_id": "apl-0001"}, settled=True)


VISIT = Command("patrols", "/visits", {"visit_id": "v-1"})
RATING = Command("evaluation", "/ratings", {"officer_id": "o-1"})


async def test_a_settled_command_waits_for_its_service_and_those_it_follows_transitively() -> None:
    services = Services()
    runner = Runner(services.clients())
    await runner.check_start(AT)
    services.log.clear()
    await runner.step(Step(AT, ((appeal(),),)))
    assert services.asked("GET", "/clock") == {"appeals", "assignment", "patrols"}  # not evaluation
    assert services.asked("PUT", "/clock") == set(FOLLOWS)  # every clock moves
    gets = [i for i, (_, m, p) in enumerate(services.log) if (m, p) == ("GET", "/clock")]
    needed = [i for i, (n, m, p) in enumerate(services.log) if (m, p) == ("PUT", "/clock") and n != "evaluation"]
    assert min(gets) < min(needed)  # settled before their clocks move
    assert max(gets) > max(needed)  # and after
    assert max(gets) < services.index("appeals", "POST", "/appeals")


async def test_the_clocks_nothing_waits_for_move_at_once_and_their_chains_go() -> None:
    services = Services()
    runner = Runner(services.clients())
    await runner.check_start(AT)
    services.log.clear()
    services.busy.add("appeals")  # settling before its clock moves: until the rating is answered
    await runner.step(Step(AT, ((appeal(),), (RATING,))))
    assert services.index("evaluation", "PUT", "/clock") < services.index("evaluation", "POST", "/ratings")
    assert services.index("evaluation", "POST", "/ratings") < services.index("appeals", "PUT", "/clock")
    assert services.index("appeals", "PUT", "/clock") < services.index("appeals", "POST", "/appeals")
    assert runner.timings.steps[-1].settle_before > 0


async def test_a_step_without_settled_commands_reads_no_clock_and_sends_after_the_moves() -> None:
    services = Services()
    runner = Runner(services.clients())
    await runner.check_start(AT)
    services.log.clear()
    await runner.step(Step(AT, ((VISIT,),)))
    assert services.asked("GET", "/clock") == set()
    assert max(i for i, (_, m, _p) in enumerate(services.log) if m == "PUT") < services.index(
        "patrols", "POST", "/visits"
    )
