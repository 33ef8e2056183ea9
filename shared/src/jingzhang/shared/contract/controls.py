"""Hand-made corrections to generated samples, for rules a JSON Schema cannot state (model validators)."""

from jingzhang.shared.contract.published import Controls
from jingzhang.shared.events import JsonDict


def _ordered_period(data: JsonDict) -> JsonDict:
    return {**data, "period": {"key": "2026-W10", "start": "2026-03-02", "end": "2026-03-09"}}


CONTROLS: Controls = {"patrols/DutyScheduled.v1": _ordered_period}
