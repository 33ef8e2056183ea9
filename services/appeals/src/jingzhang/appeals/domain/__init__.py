"""The appeals service's pure domain: the `appeal` aggregate, its routing, clock and read views.

Nothing here does I/O or reads the wall clock: time, ids and the enterprise's chiefs come in with
each call, so the handlers, the deadline scheduler and the projections can all share these functions.
"""
