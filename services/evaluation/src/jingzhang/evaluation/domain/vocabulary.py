"""Words evaluation shares with the other services, defined here so the domain imports no other service.

The string values match the assignment service's public contract, so a projection maps them 1:1.
"""

from enum import StrEnum


class EnterpriseClass(StrEnum):
    """The report's classes: 市级项目 / 区级重点项目 / 五上企业 / 中小微企业."""

    CITY_KEY_PROJECT = "city_key_project"
    DISTRICT_KEY_PROJECT = "district_key_project"
    ABOVE_SCALE = "above_scale"
    SMALL_MICRO = "small_micro"

    @property
    def is_key(self) -> bool:
        """The 四有 duties (a police office among them) bind key enterprises: all but small/micro."""
        return self is not EnterpriseClass.SMALL_MICRO


class ChiefTier(StrEnum):
    """The three chiefs (三长): 局领导, 所队长, 辖区警长."""

    BUREAU_LEADER = "bureau_leader"
    STATION_CHIEF = "station_chief"
    POLICE_CHIEF = "police_chief"

    @property
    def label(self) -> str:
        return {"bureau_leader": "局领导", "station_chief": "所队长", "police_chief": "辖区警长"}[self.value]


class Slot(StrEnum):
    """AB角: equals; the slot only says who stood where, credit follows who acted."""

    A = "A"
    B = "B"


class ActivityKind(StrEnum):
    """Countable work the report quotes (五直暖企, forums, patrols, trainings)."""

    HAZARD_RECTIFIED = "hazard_rectified"
    DISPUTE_MEDIATED = "dispute_mediated"
    SERVICE_ON_BEHALF = "service_on_behalf"
    OBSTRUCTION_CASE = "obstruction_case"
    LEGAL_TRAINING = "legal_training"
    LEAFLETS = "leaflets"
    PATROL = "patrol"
    FORUM = "forum"
    CHIEF_TRAINING = "chief_training"
    MAJOR_RISK_DEFUSED = "major_risk_defused"
    """A dispute that could have become a major risk (重大风险隐患), mediated; also a `DISPUTE_MEDIATED`."""
    LOSSES_RECOVERED = "losses_recovered"
    """Case work that recovered an enterprise's losses (挽回损失); `count` is the yuan recovered."""
    RECURRING_PROBLEM = "recurring_problem"
    """A recurring problem the appeals service found (同类诉求反复), on the day it was found."""
