"""Reactors: consumers that record this service's own events in reaction to others (never replayed), one
module each, exporting `REACTOR`."""
