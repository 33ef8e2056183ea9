"""The year's work as commands: patrols' activities, appeals through every channel, forums, ratings.

Each builder takes the seeded `rng` and returns chains (tuples of commands run in order). Dates are
spread over the year by `Calendar`; every figure the report counts is hit exactly by construction
(`partition` splits leaflets and person-times into parts that add up to the report's totals).
"""

import random
from collections.abc import Sequence
from datetime import date, time, timedelta
from typing import Any

from jingzhang.app.demo.commands import Chain, Command, at
from jingzhang.app.demo.roster import Enterprise, Roster
from jingzhang.patrols.domain.activity import collected_appeal_id

_command = Command


class Calendar:
    """Random days of the demo year (after the chiefs took office in January and February)."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year

    def day(self, first: tuple[int, int] = (3, 1), last: tuple[int, int] = (12, 31)) -> date:
        start, end = date(self.year, *first), date(self.year, *last)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))


def partition(rng: random.Random, total: int, parts: int, minimum: int, step: int = 1) -> list[int]:
    """`parts` numbers, each ≥ `minimum` and a multiple of `step`, adding up to exactly `total`."""
    values = [minimum] * parts
    for _ in range((total - minimum * parts) // step):
        values[rng.randrange(parts)] += step
    assert sum(values) == total, "total must be reachable in steps"
    return values


SERVICE_ITEMS = (
    "营业执照变更代办",
    "车辆通行证办理",
    "员工户籍迁移",
    "危化品备案",
    "出入境证件代办",
    "消防验收协调",
    "剧毒化学品购买许可",
    "保安服务备案",
)
DISPUTE_PARTIES = ("施工队", "村民代表", "材料供应商", "运输车队", "周边商户", "劳务班组")
DISPUTE_OUTCOMES = ("双方达成调解协议", "当场化解,签订和解书", "协调补偿到位", "约定分期支付,矛盾化解")
HAZARDS = (
    "消防通道堆放杂物",
    "配电箱线路老化",
    "监控存在盲区",
    "危化品仓库未双人双锁",
    "工地围挡破损",
    "夜间照明不足",
    "灭火器过期",
)
MEASURES = (
    "已清理并落实专人巡查",
    "已更换线路并复检",
    "已加装摄像头",
    "已整改并建立台账",
    "已修复并加固",
    "已更换并培训员工",
)
APPEALS = {
    "administrative_service": ("办理外地员工居住证", "申请货车临时通行证", "咨询户籍迁入政策"),
    "production_disruption": ("有人阻拦运输车辆进场", "厂区材料被盗", "夜间有人破坏施工设备"),
    "dispute": ("与周边村民因噪音发生纠纷", "拖欠劳务费引发纠纷", "与供应商合同纠纷"),
    "public_order_trouble_spot": ("厂区周边夜间有人聚集滋事", "门口路段交通秩序混乱", "周边出现非法营运车辆"),
    "legal_four_preventions": ("申请开展反诈宣传", "咨询技防设施建设标准", "请求消防安全培训"),
}
RESOLUTIONS = ("当日上门处理,问题解决", "协调相关单位现场办结", "加强巡逻,问题消除", "指导企业完善手续,已办结")
DEPARTMENTS = (
    "urban_management_enforcement",
    "economic_development_bureau",
    "comprehensive_governance_office",
    "party_masses_bureau",
)
COMMUNITY_CHANNELS = ("police_chief_service_point", "wechat_group", "visit", "phone")
TALK_TOPICS = ("安全生产", "反电诈", "法律法规", "四防知识", "扫黑除恶")


def activities(rng: random.Random, roster: Roster, cal: Calendar) -> list[Chain]:
    firms = roster.enterprises
    key = [e for e in firms if e.is_key]
    chains: list[Chain] = []
    for n in range(36):
        e = rng.choice(firms)
        body = _work(e, f"svc-{n + 1:03d}", cal.day()) | {
            "item": rng.choice(SERVICE_ITEMS),
            "mode": rng.choice(("act_for", "lead", "follow")),
        }
        chains.append((_command("patrols", "/services-on-behalf", body),))
    for n in range(15):
        chains.append(_hazard(rng, rng.choice(firms), f"hz-{n + 1:03d}", cal))
    for n in range(42):
        e = rng.choice(firms)
        parties = [e.name, rng.choice(DISPUTE_PARTIES)]
        body = _work(e, f"dsp-{n + 1:03d}", cal.day()) | {
            "parties": parties,
            "outcome": rng.choice(DISPUTE_OUTCOMES),
            "agreement_reached": True,
        }
        chains.append((_command("patrols", "/disputes", body),))
    kinds = ["illegal_obstruction_of_construction"] * 6 + ["disruption_of_production"] * 2 + ["other"]
    for n, kind in enumerate(kinds):
        e = rng.choice(key if kind == "illegal_obstruction_of_construction" else firms)
        body = _work(e, f"case-{n + 1:03d}", cal.day()) | {
            "police_case_number": f"恒公(治)立字〔{cal.year}〕{n + 101}号",
            "kind": kind,
        }
        chains.append((_command("patrols", "/cases", body),))
    chains.extend(_trainings(rng, roster, cal))
    for n, count in enumerate(partition(rng, 20_000, 40, 200, step=50)):
        body = _work(rng.choice(firms), f"lft-{n + 1:03d}", cal.day()) | {
            "count": count,
            "topic": f"{rng.choice(TALK_TOPICS)}宣传资料",
        }
        chains.append((_command("patrols", "/leaflets", body),))
    for n, persons in enumerate(partition(rng, 1_200, 150, 4)):
        chains.append((_patrol(rng, roster, rng.choice(key), f"ptl-{n + 1:03d}", cal.day(), persons),))
    return chains


def _work(e: Enterprise, activity_id: str, day: date) -> dict[str, Any]:
    return {
        "activity_id": activity_id,
        "enterprise_id": e.enterprise_id,
        "officer_ids": [e.chief("police_chief")],
        "occurred_on": day.isoformat(),
    }


def _hazard(rng: random.Random, e: Enterprise, hazard_id: str, cal: Calendar) -> Chain:
    found = cal.day(last=(11, 30))
    officers = [e.chief("police_chief"), e.chief("station_chief")]
    record = {
        "hazard_id": hazard_id,
        "enterprise_id": e.enterprise_id,
        "description": rng.choice(HAZARDS),
        "found_on": found.isoformat(),
        "rectification_due": (found + timedelta(days=30)).isoformat(),
        "officer_ids": officers,
    }
    rectified = found + timedelta(days=rng.randint(2, 25))
    rectify = {"rectified_on": rectified.isoformat(), "measures": rng.choice(MEASURES), "officer_ids": officers}
    return (_command("patrols", "/hazards", record), _command("patrols", f"/hazards/{hazard_id}/rectify", rectify))


def _trainings(rng: random.Random, roster: Roster, cal: Calendar) -> list[Chain]:
    chains: list[Chain] = []
    kinds = ["legal"] * 4 + ["four_preventions"] * 2
    for n, kind in enumerate(kinds):
        e = rng.choice(roster.enterprises)
        topic = "企业法律风险防范" if kind == "legal" else "防火防盗防骗防破坏"
        body = _work(e, f"trn-{n + 1:03d}", cal.day()) | {
            "kind": kind,
            "attendees": rng.randint(20, 80),
            "topic": topic,
        }
        chains.append((_command("patrols", "/trainings", body),))
    # 恒口公安大讲堂: the chiefs' own training, zone-wide; not one of the report's legal trainings.
    for n in range(3):
        officers = [o.officer_id for o in rng.sample(roster.officers, 12)]
        body = {
            "activity_id": f"trn-chief-{n + 1}",
            "officer_ids": officers,
            "occurred_on": cal.day().isoformat(),
            "kind": "chief_training",
            "attendees": 60,
            "topic": "恒口公安大讲堂",
        }
        chains.append((_command("patrols", "/trainings", body),))
    return chains


def _patrol(rng: random.Random, roster: Roster, e: Enterprise, visit_id: str, day: date, persons: int) -> Command:
    officers = [e.chief("police_chief"), rng.choice(roster.brigades).officer_id]
    if officers[0] == officers[1]:
        officers = officers[:1]
    start = time(rng.randint(19, 21), rng.choice((0, 30)))
    body = {
        "visit_id": visit_id,
        "enterprise_id": e.enterprise_id,
        "kind": "joint_patrol",
        "officer_ids": officers,
        "started_at": at(day, start),
        "ended_at": at(day, start.replace(hour=start.hour + 2)),
        "location": f"{e.short_name}周边",
        "person_times": persons,
        "findings": "警企联动联巡,未发现异常",
    }
    return _command("patrols", "/visits", body)


# --- appeals -------------------------------------------------------------------------------------


def channel_appeals(rng: random.Random, roster: Roster, cal: Calendar) -> tuple[list[Enterprise], list[Chain]]:
    """6 appeals for each of 24 busy community police chiefs, and 20 to station chiefs and leaders."""
    busy = {o.officer_id for s in roster.community.values() for o in s[:3]}
    chains: list[Chain] = []
    used: list[Enterprise] = []
    for officer_id in sorted(busy):
        theirs = [e for e in roster.enterprises if e.chief("police_chief") == officer_id]
        for k in range(6):
            e = theirs[k % len(theirs)]
            chains.append(
                _appeal(rng, roster, e, f"apl-{len(chains) + 1:04d}", rng.choice(COMMUNITY_CHANNELS), "police_chief")
            )
            used.append(e)
    for _ in range(20):
        e = rng.choice(roster.enterprises)
        channel, tier = rng.choice(
            (("station_chief_liaison_station", "station_chief"), ("director_direct_line", "bureau_leader"))
        )
        chains.append(_appeal(rng, roster, e, f"apl-{len(chains) + 1:04d}", channel, tier))
        used.append(e)
    return sorted(set(used), key=lambda e: e.enterprise_id), chains


def _appeal(rng: random.Random, roster: Roster, e: Enterprise, appeal_id: str, channel: str, tier: str) -> Chain:
    category = rng.choice(sorted(APPEALS))
    raised = {
        "appeal_id": appeal_id,
        "enterprise_id": e.enterprise_id,
        "channel": channel,
        "category": category,
        "description": rng.choice(APPEALS[category]),
        "raised_by": e.contact_name,
    }
    first = _command("appeals", "/appeals", raised, retry=("stale_version", "no_chief"), done=("duplicate",))
    return (first, *handling(rng, roster, e, appeal_id, e.chief(tier)))


def handling(
    rng: random.Random, roster: Roster, e: Enterprise, appeal_id: str, holder: str, retry: Sequence[str] = ()
) -> Chain:
    """Acknowledge, then one of: resolve; refer and report back; resolve, be told it is not solved,
    resolve again; or close unresolved. Each ends with the enterprise's callback."""
    path = f"/appeals/{appeal_id}"
    quality = roster.officer(holder).quality
    steps = [
        _command(
            "appeals", f"{path}/acknowledge", {"officer_id": holder, "note": "已受理"}, retry=("stale_version", *retry)
        )
    ]
    resolve = _command("appeals", f"{path}/resolve", {"what_was_done": rng.choice(RESOLUTIONS), "resolved_by": holder})
    roll = rng.random()
    if roll < 0.12:
        department = rng.choice(DEPARTMENTS)
        steps += [
            _command(
                "appeals",
                f"{path}/refer",
                {"department_id": department, "note": "超出公安职能,移交相关部门", "referred_by": holder},
            ),
            _command("appeals", f"{path}/follow-ups", {"note": "电话跟进办理进度", "followed_up_by": holder}),
            _command("appeals", f"{path}/report-back", {"outcome": "done", "note": "已办结", "recorded_by": holder}),
        ]
    elif roll < 0.22:
        steps += [resolve, _callback(path, 2, resolved=False, comment="问题反弹,仍未解决"), resolve]
    elif roll < 0.27:
        steps.append(
            _command("appeals", f"{path}/close", {"reason": "企业诉求超出政策范围,已解释说明", "closed_by": holder})
        )
        return (*steps, _callback(path, 3, resolved=False, comment="理解,但问题未解决"))
    else:
        steps.append(resolve)
    r = rng.random()
    level = 5 if r < quality - 0.25 else 4 if r < quality else 3
    return (*steps, _callback(path, level, resolved=True, comment="满意" if level >= 4 else "一般"))


def _callback(path: str, rating: int, *, resolved: bool, comment: str) -> Command:
    body = {"rating": rating, "resolved": resolved, "comment": comment, "recorded_by": "回访专员"}
    return _command("appeals", f"{path}/callback", body)


# --- forums and ratings ---------------------------------------------------------------------------


def forums(
    rng: random.Random, roster: Roster, cal: Calendar, hosts: Sequence[Enterprise]
) -> tuple[tuple[Chain, ...], tuple[Chain, ...]]:
    """19 forums collecting 26 appeals, hosted where appeals already reached the chiefs (so the appeals
    service knows their chiefs when its forum reactor raises them); then each collected appeal handled."""
    forum_chains: list[Chain] = []
    handled: list[Chain] = []
    for n, count in enumerate(partition(rng, 26, 19, 0)):
        host = rng.choice(hosts)
        forum_id = f"forum-{n + 1:02d}"
        collected = []
        for k in range(count):
            category = rng.choice(sorted(APPEALS))
            collected.append({"ref_id": str(k + 1), "description": rng.choice(APPEALS[category]), "category": category})
            appeal_id = collected_appeal_id(forum_id, str(k + 1))
            holder = host.chief("police_chief")
            handled.append(handling(rng, roster, host, appeal_id, holder, retry=("not_raised", "not_found")))
        officers = [host.chief("police_chief"), host.chief("station_chief")]
        body = {
            "activity_id": forum_id,
            "enterprise_id": host.enterprise_id,
            "officer_ids": officers,
            "occurred_on": cal.day().isoformat(),
            "attendees": rng.randint(8, 30),
            "appeals": collected,
        }
        forum_chains.append((_command("patrols", "/forums", body),))
    return tuple(forum_chains), tuple(handled)


def ratings(rng: random.Random, roster: Roster, year: int) -> tuple[Chain, ...]:
    """打评评比: 60 enterprises rate their community police chief and station chief for the year."""
    chains: list[Chain] = []
    for e in rng.sample(list(roster.enterprises), 60):
        for tier in ("police_chief", "station_chief"):
            officer = roster.officer(e.chief(tier))
            level = 5 if rng.random() < officer.quality - 0.2 else 4 if rng.random() < officer.quality else 3
            body = {
                "enterprise_id": e.enterprise_id,
                "officer_id": officer.officer_id,
                "tier": tier,
                "period": str(year),
                "level": level,
                "comment": "服务周到" if level >= 4 else "有待提高",
            }
            chains.append((_command("evaluation", "/ratings", body, retry=("stale_version", "not_a_chief")),))
    return tuple(chains)
