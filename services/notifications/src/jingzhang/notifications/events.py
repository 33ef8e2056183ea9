"""The notifications service's published language: deliveries, read receipts and channel configuration."""

from jingzhang.notifications.domain import channels, notification
from jingzhang.notifications.domain.channels import TEMPLATE_EVENTS, WEBHOOK_EVENTS, ChannelState
from jingzhang.notifications.domain.notification import (
    DELIVERY_EVENTS,
    NOTIFICATION_EVENTS,
    DeliveryState,
    NotificationState,
)
from jingzhang.shared.aggregate import Aggregate
from jingzhang.shared.contract.catalog import AggregateEvents, ServiceContract
from jingzhang.shared.events import EventRegistry

SERVICE = "notifications"

REGISTRY = EventRegistry([*DELIVERY_EVENTS, *NOTIFICATION_EVENTS, *WEBHOOK_EVENTS, *TEMPLATE_EVENTS])

DELIVERY: Aggregate[DeliveryState] = Aggregate("delivery", DeliveryState(), notification.evolve_delivery)
NOTIFICATION: Aggregate[NotificationState] = Aggregate("notification", NotificationState(), notification.evolve)
GROUP_WEBHOOK: Aggregate[ChannelState] = Aggregate("group_webhook", ChannelState(), channels.evolve)
SMS_TEMPLATE: Aggregate[ChannelState] = Aggregate("sms_template", ChannelState(), channels.evolve)

CONTRACT = ServiceContract(
    SERVICE,
    REGISTRY,
    (
        AggregateEvents(
            DELIVERY.aggregate_type, DELIVERY_EVENTS, "One notification on one pushed channel: sent, or given up."
        ),
        AggregateEvents(NOTIFICATION.aggregate_type, NOTIFICATION_EVENTS, "A notification's read receipt."),
        AggregateEvents(GROUP_WEBHOOK.aggregate_type, WEBHOOK_EVENTS, "An enterprise group's robot webhook (sealed)."),
        AggregateEvents(SMS_TEMPLATE.aggregate_type, TEMPLATE_EVENTS, "The SMS template of one message kind."),
    ),
    "Notifications to the acting chiefs, the enterprises' WeChat groups and officers: what was sent and read.",
)
