"""Tolerant readers of the other services' events, one module per producer.

Each declares the events evaluation reads as `PublishedEvent` models holding only the fields it uses,
typed as the published contract (`contract/schemas/<producer>/`) says, and collects them in `EVENTS`
and a `ReaderRegistry` (`READS`). Unknown fields are ignored and undeclared types decode to `Unread`,
so a producer may grow its events without breaking evaluation. Nothing here imports another service.
"""
