"""The role matrix: who may call which evaluation route, as route dependencies over the kernel's policy.

Ratings come from the rated enterprise's contact, or from bureau staff recording survey answers.
Spot checks and the publication of a ranking are the bureau's. Scorecards belong to the officer (their
station chief, the bureau and auditors read them too). Rankings and figures are aggregates for the
police and auditors, never for enterprise contacts. A spot check and the audit trail span every
enterprise: the bureau and auditors only.
"""

from typing import Any

from fastapi import Depends

from jingzhang.shared.auth import Action, EnterpriseLinks, Principal, Role, ensure, policy
from jingzhang.shared.auth.http import officer_in_path, require_everything, require_roles

POLICE_AND_AUDITORS = (Role.OFFICER, Role.STATION_CHIEF, Role.BUREAU, Role.AUDITOR)


def bureau(what: str) -> Any:
    return Depends(require_roles(Role.BUREAU, what=what))


def police_and_auditors(what: str) -> Any:
    return Depends(require_roles(*POLICE_AND_AUDITORS, what=what))


def everything(what: str) -> Any:
    return Depends(require_everything(Action.READ, what))


RATER = Depends(require_roles(Role.ENTERPRISE_CONTACT, Role.BUREAU, what="rating a chief"))
OWN_SCORECARD = Depends(officer_in_path(Action.READ))


def ensure_rates_for(principal: Principal, enterprise_id: str) -> None:
    """A contact rates only their own enterprise's chiefs; the bureau records any enterprise's rating."""
    ensure(policy.enterprise(principal, EnterpriseLinks(enterprise_id), Action.ACT))
