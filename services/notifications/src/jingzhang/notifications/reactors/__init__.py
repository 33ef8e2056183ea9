"""Consumers that record events: `dispatch` decides notifications from the other services' events."""
