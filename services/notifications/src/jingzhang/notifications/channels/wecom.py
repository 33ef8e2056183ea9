"""The WeCom (企业微信) group robot: `POST <webhook>` with `{"msgtype": "markdown", ...}`, answered
`{"errcode": 0, "errmsg": "ok"}`; `errcode` 45009 ("api freq out of limit") when the robot's 20
messages a minute are spent. The robot takes no idempotency key: a message cut off by a crash may
arrive twice (the worker counts those). The webhook URL is opened here only and never logged."""

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from jingzhang.notifications.channels.port import GiveUp, Outgoing, Result, Retry, Sent, open_sealed
from jingzhang.notifications.projections.directory import PostgresDirectory
from jingzhang.shared.privacy.keystore import KeyStore

RATE_LIMITED = 45009
FINAL_ERRCODES = frozenset({93000, 93004, 40058})
"""Invalid webhook key, robot removed from the group, malformed message: retrying cannot help."""
MAX_CONTENT = 4096


@dataclass
class WeComRobot:
    directory: PostgresDirectory
    keys: Callable[[], KeyStore]
    client: httpx.AsyncClient
    rate_window: float

    async def send(self, message: Outgoing) -> Result:
        if message.enterprise_id is None:
            return GiveUp("a group message names no enterprise")
        sealed = await self.directory.webhook_token(message.enterprise_id)
        if sealed is None:
            if not await self.directory.caught_up("notifications"):  # registered a moment ago
                return Retry("the group's webhook is not known here yet")
            sealed = await self.directory.webhook_token(message.enterprise_id)  # applied meanwhile?
        if sealed is None:
            return GiveUp("no webhook registered for the enterprise's group")
        url = await open_sealed(self.keys(), sealed)
        if not isinstance(url, str):
            return GiveUp("the group's webhook was erased")
        content = f"**{message.title}**\n{message.text}"[:MAX_CONTENT]
        try:
            answer = await self.client.post(url, json={"msgtype": "markdown", "markdown": {"content": content}})
        except httpx.HTTPError as exc:  # its message may quote the URL: name the kind only
            return Retry(f"robot unreachable ({type(exc).__name__})")
        return self._outcome(answer)

    def _outcome(self, answer: httpx.Response) -> Result:
        if answer.status_code != 200:
            return Retry(f"robot answered HTTP {answer.status_code}")
        try:
            errcode = int(answer.json().get("errcode", -1))
        except (ValueError, AttributeError):
            return Retry("robot answered something other than its JSON")
        if errcode == 0:
            return Sent()
        if errcode == RATE_LIMITED:
            return Retry("robot rate limit (errcode 45009)", rate_limited=True, after=self.rate_window)
        if errcode in FINAL_ERRCODES:
            return GiveUp(f"robot refused the message (errcode {errcode})")
        return Retry(f"robot errcode {errcode}")
