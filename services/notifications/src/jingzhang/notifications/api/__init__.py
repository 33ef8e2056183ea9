"""HTTP API of the notifications service: translators from requests to commands and queries, by topic."""

from jingzhang.notifications.api import channels, inbox

ROUTERS = (channels.router, inbox.router)

__all__ = ["ROUTERS"]
