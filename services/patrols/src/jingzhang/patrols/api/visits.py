"""Routes recording visits and joint patrols."""

from fastapi import APIRouter

from jingzhang.patrols import handlers
from jingzhang.patrols.api.authz import RecorderParam
from jingzhang.patrols.api.bodies import VisitBody
from jingzhang.patrols.domain.visit import RecordVisit
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["commands"])


@router.post("/visits", status_code=201)
async def record_visit(body: VisitBody, police: RecorderParam) -> CommandAccepted:
    """A visit or joint patrol (`PatrolCompleted`); it fulfils the duty it settles."""
    await police.may_act_for(body.enterprise_id)
    command = RecordVisit(
        visit_id=body.visit_id,
        enterprise_id=body.enterprise_id,
        kind=body.kind,
        officer_ids=tuple(body.officer_ids),
        started_at=body.started_at,
        ended_at=body.ended_at,
        location=body.location,
        person_times=body.person_times,
        findings=body.findings,
        proof=None if body.proof is None else body.proof.proof(),
        expected_version=body.expected_version,
    )
    decided = await handlers.record_visit(police.deps, command, police.meta)
    return accepted(decided.state.visit_id, decided)
