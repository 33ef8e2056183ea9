"""Tolerant readers of other services' events, one module per producer."""
