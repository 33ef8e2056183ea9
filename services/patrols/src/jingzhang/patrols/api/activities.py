"""Routes recording direct services (disputes, cases, services on behalf) and outreach (trainings,
leaflets, forums): each body becomes its command, checked against every enterprise it names."""

from fastapi import APIRouter

from jingzhang.patrols import handlers
from jingzhang.patrols.api.authz import RecorderParam
from jingzhang.patrols.api.bodies import (
    CaseBody,
    DisputeBody,
    ForumBody,
    LeafletsBody,
    ServiceOnBehalfBody,
    TrainingBody,
)
from jingzhang.patrols.domain.activity import (
    ActivityState,
    DistributeLeaflets,
    HandleCase,
    HoldForum,
    HoldTraining,
    MediateDispute,
    ServeOnBehalf,
)
from jingzhang.shared.aggregate import Decided
from jingzhang.shared.http import CommandAccepted, accepted

router = APIRouter(tags=["commands"])


def _answer(decided: Decided[ActivityState]) -> CommandAccepted:
    return accepted(decided.state.activity_id, decided)


@router.post("/disputes", status_code=201)
async def mediate_dispute(body: DisputeBody, police: RecorderParam) -> CommandAccepted:
    command = MediateDispute.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())
    return _answer(await handlers.mediate_dispute(police.deps, command, police.meta))


@router.post("/cases", status_code=201)
async def handle_case(body: CaseBody, police: RecorderParam) -> CommandAccepted:
    command = HandleCase.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())
    return _answer(await handlers.handle_case(police.deps, command, police.meta))


@router.post("/services-on-behalf", status_code=201)
async def serve_on_behalf(body: ServiceOnBehalfBody, police: RecorderParam) -> CommandAccepted:
    """`occurred_on` is the day the service was done."""
    command = ServeOnBehalf.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())
    return _answer(await handlers.serve_on_behalf(police.deps, command, police.meta))


@router.post("/trainings", status_code=201)
async def hold_training(body: TrainingBody, police: RecorderParam) -> CommandAccepted:
    command = HoldTraining.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())
    return _answer(await handlers.hold_training(police.deps, command, police.meta))


@router.post("/leaflets", status_code=201)
async def distribute_leaflets(body: LeafletsBody, police: RecorderParam) -> CommandAccepted:
    command = DistributeLeaflets.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())
    return _answer(await handlers.distribute_leaflets(police.deps, command, police.meta))


@router.post("/forums", status_code=201)
async def hold_forum(body: ForumBody, police: RecorderParam) -> CommandAccepted:
    """Each collected appeal travels in `ForumHeld` under a deterministic appeal id."""
    command = HoldForum.model_validate(body.model_dump())
    await police.may_act_for(*command.enterprises())  # the host's and every appeal's
    return _answer(await handlers.hold_forum(police.deps, command, police.meta))
