"""The patrols service's pure domain: cadence planning, duties, visits, hazards, activities, ledger.

Nothing here does I/O or reads the clock: ids arrive in commands (drawn by the handlers when the caller
gave none), the time as an argument the handler read once, and assignments as a snapshot.
"""
