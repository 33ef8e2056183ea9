"""Words patrols shares with the assignment service, declared here with the values assignment publishes.

Patrols reads assignment's events through its own tolerant reader (`upstream.assignment`) and plans
in these terms; it imports nothing of the assignment service. `ChiefTier` is also part of patrols'
own contract (`DutyScheduled.tier`), so its name, values and description are published as they are.
"""

from enum import StrEnum


class EnterpriseClass(StrEnum):
    """The report's four classes (市级项目 / 区级重点项目 / 五上企业 / 中小微企业)."""

    CITY_KEY_PROJECT = "city_key_project"
    DISTRICT_KEY_PROJECT = "district_key_project"
    ABOVE_SCALE = "above_scale"
    SMALL_MICRO = "small_micro"


class ChiefTier(StrEnum):
    """The three chiefs (三长): 局领导, 所队长, 辖区警长."""

    BUREAU_LEADER = "bureau_leader"
    STATION_CHIEF = "station_chief"
    POLICE_CHIEF = "police_chief"


class Slot(StrEnum):
    """AB角: equals; B stands in while A is away."""

    A = "A"
    B = "B"
