"""The words an appeal is described with; their values are part of the public event contract."""

from enum import StrEnum


class ChiefTier(StrEnum):
    """The three chiefs (三长): 局领导, 所队长, 辖区警长."""

    # The assignment service's published values (and description): our events carry them, and its
    # events name an enterprise's chiefs with them.
    BUREAU_LEADER = "bureau_leader"
    STATION_CHIEF = "station_chief"
    POLICE_CHIEF = "police_chief"


class Slot(StrEnum):
    """AB角: equals; B stands in while A is away."""

    A = "A"
    B = "B"


class Channel(StrEnum):
    """How the appeal reached us: the three tiered 110 channels, then the everyday ones."""

    POLICE_CHIEF_SERVICE_POINT = "police_chief_service_point"  # 警长110服务点
    STATION_CHIEF_LIAISON_STATION = "station_chief_liaison_station"  # 所长110联络站
    DIRECTOR_DIRECT_LINE = "director_direct_line"  # 局长110直通车
    WECHAT_GROUP = "wechat_group"  # 警务室微信群
    VISIT = "visit"  # 走访
    FORUM = "forum"  # 座谈会
    PHONE = "phone"  # 警企热线


class Category(StrEnum):
    """The five direct services (五直暖企), plus whatever fits none of them."""

    ADMINISTRATIVE_SERVICE = "administrative_service"  # 代办领办跟办
    PRODUCTION_DISRUPTION = "production_disruption"  # 妨害生产经营的警情案件
    DISPUTE = "dispute"  # 涉企矛盾纠纷
    PUBLIC_ORDER_TROUBLE_SPOT = "public_order_trouble_spot"  # 周边治安乱点
    LEGAL_FOUR_PREVENTIONS = "legal_four_preventions"  # 法务咨询、四防
    OTHER = "other"


class LimitClass(StrEnum):
    """The 12345 hotline's time-limit classes an appeal is sorted into at intake."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    GENERAL = "general"
    COMPLEX = "complex"


class HoldReason(StrEnum):
    """Why the bureau's duty desk (值班台) holds an appeal instead of a chief: nobody to route it to yet."""

    NO_ACTING_CHIEF = "no_acting_chief"  # the enterprise is known, but no tier has anyone acting (a coverage gap)
    ENTERPRISE_NOT_YET_KNOWN = "enterprise_not_yet_known"  # assignment's events about it are still arriving


class Status(StrEnum):
    """Where an appeal stands. `raised`: not routed yet, held at the duty desk until a chief is known
    (an appeal routed at intake leaves it in the same recording)."""

    RAISED = "raised"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def is_open(self) -> bool:
        return self in (Status.RAISED, Status.ROUTED, Status.IN_PROGRESS, Status.REFERRED)


class Outcome(StrEnum):
    """How a finished appeal ended."""

    RESOLVED_IN_DUTY = "resolved_in_duty"  # 一次办好
    REFERRED_AND_DONE = "referred_and_done"  # 联络协调, the department did it
    CLOSED_UNRESOLVED = "closed_unresolved"


class ReportOutcome(StrEnum):
    """What a partner department says when it reports back."""

    DONE = "done"
    RETURNED = "returned"  # not theirs after all, or they could not: back on our clock


class DeadlineKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class EscalationReason(StrEnum):
    FIRST_RESPONSE_BREACHED = "first_response_breached"
    DEADLINE_BREACHED = "deadline_breached"
    EXTENSION_REFUSED = "extension_refused"
    REFERRAL_UNANSWERED = "referral_unanswered"
    """The department did not report back within its reply limit and the grace after it (issue 14)."""
