"""A hand-written fake of the facts read model, answering from an in-memory `Facts`."""

from dataclasses import dataclass, field
from datetime import datetime

from jingzhang.evaluation.domain.facts import Facts
from jingzhang.evaluation.domain.vocabulary import ChiefTier


@dataclass
class FakeFacts:
    known: Facts = field(default_factory=Facts)

    async def facts(self) -> Facts:
        return self.known

    async def chief_tiers(self, enterprise_id: str, officer_id: str, start: datetime, end: datetime) -> set[ChiefTier]:
        return {
            t.tier
            for t in self.known.chief_terms
            if t.enterprise_id == enterprise_id
            and t.officer_id == officer_id
            and t.span.active_from < end
            and (t.span.active_until is None or t.span.active_until > start)
        }

    async def active_enterprises(self, at: datetime) -> list[str]:
        return sorted({e.enterprise_id for e in self.known.enterprises if e.span.holds_at(at)})
