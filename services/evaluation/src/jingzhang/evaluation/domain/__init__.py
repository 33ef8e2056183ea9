"""The evaluation domain: pure, no I/O.

Two kinds of module live here. Aggregates the service owns and records (`rating`, `spot_check`,
`ranking_publication`), and pure read-side calculations (`scorecard`, `ranking`, `reports`, `figures`) over
neutral input `facts` that projections fill from the other services' events.
"""
