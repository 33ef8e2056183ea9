"""What the demo (or an operator of the local stack) sends so that each enterprise's WeChat group is
reached through the local robot sink: one `POST /group-webhooks` to the notifications service per
enterprise, the webhook `http://127.0.0.1:8120/cgi-bin/webhook/send?key=<enterprise id>`.

The service answers 409 `not_yet_known` while assignment's registration of the enterprise is still on
its way (retry), 422 `unknown_enterprise` for an enterprise nobody registered. Group messages start
from the registration on: register right after the enterprise, before its first appeal.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jingzhang.app.sinks import SINK_PORT
from jingzhang.app.sinks.server import webhook_url

RETRY = ("not_yet_known", "stale_version")


@dataclass(frozen=True, slots=True)
class Registration:
    """One HTTP command: `POST {notifications}{path}` with `body`, retried on the 409 codes in `retry`."""

    service: str
    path: str
    body: dict[str, Any]
    retry: tuple[str, ...] = RETRY


def group_webhook_registrations(
    enterprise_ids: Iterable[str], sinks_url: str = f"http://127.0.0.1:{SINK_PORT}"
) -> list[Registration]:
    """The commands registering each enterprise's group robot at the local sink (`sinks_url`)."""
    return [
        Registration(
            "notifications",
            "/group-webhooks",
            {"enterprise_id": enterprise_id, "webhook_url": webhook_url(sinks_url, enterprise_id)},
        )
        for enterprise_id in dict.fromkeys(enterprise_ids)
    ]
