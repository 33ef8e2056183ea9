"""Request bodies: channel configuration. A body never comes back in an answer (the webhook is a secret)."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

IDENT_LENGTH = 128
MAX_VERSION = 2**31 - 1
"""A stream version, as the event store keeps it (PostgreSQL `integer`)."""
Ident = Annotated[str, Field(pattern=rf"^[A-Za-z0-9_-]{{1,{IDENT_LENGTH}}}$")]


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webhook_url: str = Field(
        min_length=1,
        max_length=2048,
        description="The group robot's webhook (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...);"
        " plain http only to a loopback address (local sinks). Stored sealed, never shown again.",
    )
    expected_version: int | None = Field(
        default=None, ge=0, le=MAX_VERSION, description="The registrations so far (0: the first); refused if not"
    )


class GroupWebhookBody(WebhookBody):
    enterprise_id: Ident


class TemplateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    template_code: str = Field(pattern=r"^[A-Za-z0-9_]{1,64}$", description="The gateway's approved template code")
    content: str = Field(
        min_length=1, max_length=500, description="The approved text, with the kind's `${variables}`, each once or more"
    )
    expected_version: int | None = Field(
        default=None, ge=0, le=MAX_VERSION, description="The kind's registrations so far (0: the first)"
    )
