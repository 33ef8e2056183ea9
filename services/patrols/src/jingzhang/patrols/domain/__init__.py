"""The patrols service's pure domain: cadence planning, duties, visits, hazards, activities, ledger.

Nothing here does I/O or reads the clock: times and ids arrive in commands and snapshots.
"""
