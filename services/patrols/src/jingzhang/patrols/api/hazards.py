"""Routes taking a hazard from found to rectified and verified.

A command on a known hazard is authorized on the hazard its handler loads (the enterprise it was
found at), through the handler's `authorize` hook: the stream is read once.
"""

from fastapi import APIRouter

from jingzhang.patrols import handlers
from jingzhang.patrols.api.authz import RecorderParam
from jingzhang.patrols.api.bodies import HazardBody, Ident, RectifyBody, VerifyBody
from jingzhang.patrols.domain.hazard import RecordHazard, RectifyHazard, VerifyHazard
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["commands"])


@router.post("/hazards", status_code=201)
async def record_hazard(body: HazardBody, police: RecorderParam) -> CommandAccepted:
    await police.may_act_for(body.enterprise_id)
    command = RecordHazard(
        hazard_id=body.hazard_id,
        enterprise_id=body.enterprise_id,
        description=body.description,
        found_on=body.found_on,
        rectification_due=body.rectification_due,
        officer_ids=tuple(body.officer_ids),
        found_on_visit_id=body.found_on_visit_id,
        expected_version=body.expected_version,
    )
    decided = await handlers.record_hazard(police.deps, command, police.meta)
    return accepted(decided.state.hazard_id, decided)


@router.post("/hazards/{hazard_id}/rectify")
async def rectify_hazard(hazard_id: Ident, body: RectifyBody, police: RecorderParam) -> CommandAccepted:
    command = RectifyHazard(
        hazard_id=hazard_id,
        rectified_on=body.rectified_on,
        measures=body.measures,
        officer_ids=tuple(body.officer_ids),
        expected_version=body.expected_version,
    )
    decided = await handlers.rectify_hazard(police.deps, command, police.meta, authorize=police.may_act_on_hazard)
    return accepted(hazard_id, decided)


@router.post("/hazards/{hazard_id}/verify")
async def verify_hazard(hazard_id: Ident, body: VerifyBody, police: RecorderParam) -> CommandAccepted:
    command = VerifyHazard(
        hazard_id=hazard_id,
        on_visit_id=body.on_visit_id,
        verified_on=body.verified_on,
        officer_ids=tuple(body.officer_ids),
        expected_version=body.expected_version,
    )
    decided = await handlers.verify_hazard(police.deps, command, police.meta, authorize=police.may_act_on_hazard)
    return accepted(hazard_id, decided)
