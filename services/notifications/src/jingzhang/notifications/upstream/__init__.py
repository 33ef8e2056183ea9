"""Tolerant readers of the other services' published events, one module per producer."""
