"""HTTP API of the patrols service: translators from requests to commands and queries, by topic."""

from jingzhang.patrols.api import activities, hazards, policies, reads, visits

ROUTERS = (visits.router, hazards.router, activities.router, reads.router, policies.router)

__all__ = ["ROUTERS"]
