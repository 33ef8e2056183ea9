"""Time limits: a frozen policy the composition root builds from settings and passes to decisions.

What a decision takes from the policy is written into the events (the limit, the warning fraction),
so changing the settings never moves the deadline of an appeal already raised, and a replay gives
the same deadlines it gave the first time.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from jingzhang.appeals.domain.vocabulary import Category, LimitClass

# Production stopped is the "utilities-like" case of the 12345 practice: it cannot wait a week.
# Clearing a trouble spot needs several departments and rectification, the "complex" case.
DEFAULT_CATEGORY_CLASS: Mapping[Category, LimitClass] = {
    Category.ADMINISTRATIVE_SERVICE: LimitClass.GENERAL,
    Category.PRODUCTION_DISRUPTION: LimitClass.URGENT,
    Category.DISPUTE: LimitClass.GENERAL,
    Category.PUBLIC_ORDER_TROUBLE_SPOT: LimitClass.COMPLEX,
    Category.LEGAL_FOUR_PREVENTIONS: LimitClass.GENERAL,
    Category.OTHER: LimitClass.GENERAL,
}

DEFAULT_CLASS_LIMITS: Mapping[LimitClass, timedelta] = {
    LimitClass.EMERGENCY: timedelta(hours=2),
    LimitClass.URGENT: timedelta(hours=24),
    LimitClass.GENERAL: timedelta(days=7),
    LimitClass.COMPLEX: timedelta(days=15),
}


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """Limits per class, the class of each category, and the clock's other knobs.

    `warning_fraction`: a warning is raised once this share of the current window has run (0.8 means
    with a fifth of the time left). `escalation_grace`: running time granted to the chief an overdue
    appeal escalates to, never more than the appeal's own limit (an emergency gets 2 h, not 24 h).
    """

    class_limits: Mapping[LimitClass, timedelta] = field(default_factory=lambda: dict(DEFAULT_CLASS_LIMITS))
    category_class: Mapping[Category, LimitClass] = field(default_factory=lambda: dict(DEFAULT_CATEGORY_CLASS))
    first_response: timedelta = timedelta(hours=24)
    warning_fraction: float = 0.8
    escalation_grace: timedelta = timedelta(hours=24)
    max_extension: timedelta = timedelta(days=15)

    def __post_init__(self) -> None:
        if not 0 < self.warning_fraction < 1:
            raise ValueError("warning_fraction must lie strictly between 0 and 1")
        if set(self.class_limits) != set(LimitClass) or set(self.category_class) != set(Category):
            raise ValueError("every limit class and every category needs an entry")

    def limit_class(self, category: Category, emergency: bool) -> LimitClass:
        return LimitClass.EMERGENCY if emergency else self.category_class[category]

    def limit(self, limit_class: LimitClass) -> timedelta:
        return self.class_limits[limit_class]

    def first_response_within(self, limit: timedelta) -> timedelta:
        """An answer can never be due after the appeal itself."""
        return min(self.first_response, limit)

    def grace(self, limit: timedelta) -> timedelta:
        return min(self.escalation_grace, limit)


DEFAULT_TIME_LIMITS = TimeLimits()
