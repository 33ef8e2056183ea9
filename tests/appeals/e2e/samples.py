"""Request bodies the e2e tests share."""

from typing import Any

from ..unit.samples import CONTACT, ENTERPRISE, POLICE_A


def raise_body(appeal_id: str, channel: str = "police_chief_service_point", **extra: Any) -> dict[str, Any]:
    return {
        "appeal_id": appeal_id,
        "enterprise_id": ENTERPRISE,
        "channel": channel,
        "category": "dispute",
        "description": "workers blocking the site gate",
        "raised_by": CONTACT,
        **extra,
    }


def ack_body(officer_id: str = POLICE_A) -> dict[str, Any]:
    return {"officer_id": officer_id, "note": "on my way"}


def types(view: dict[str, Any]) -> list[str]:
    return [entry["event_type"] for entry in view["history"]]
