"""Officers as this service knows them from assignment's events: who exists, and who has retired.

Police work is recorded under the officer who did it (`resolved_by`, `approved_by`, ...): only an
officer the scheme enrolled counts, and one who has retired does no more work.
"""

from dataclasses import dataclass
from datetime import datetime

from jingzhang.shared.errors import DomainRejected


@dataclass(frozen=True, slots=True)
class KnownOfficer:
    officer_id: str
    retired_from: datetime | None = None

    def retired(self, at: datetime) -> bool:
        return self.retired_from is not None and self.retired_from <= at


def require_serving(officer: KnownOfficer, at: datetime, field: str) -> None:
    """Refused (409 `officer_retired`) once the officer's retirement has taken effect."""
    if officer.retired(at):
        assert officer.retired_from is not None
        raise DomainRejected(
            f"警员 {officer.officer_id} 已于 {officer.retired_from.isoformat()} 退出 (officer {officer.officer_id}"
            " has retired)",
            field=field,
            code="officer_retired",
        )
