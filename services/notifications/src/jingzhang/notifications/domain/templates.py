"""The words of every message kind, in Chinese, with the variables each needs.

Variables are plain text the rules fill in: the enterprise's name, the appeal's category, the time
left, a link to the console page. None of them is personal data: a message never names a person, so
it can be stored, logged and sent to a group. SMS templates registered with a gateway must use exactly
these variables (`${enterprise}` ...), as the gateways check them on every send.
"""

import re
from dataclasses import dataclass

from jingzhang.notifications.domain.vocabulary import MessageKind


@dataclass(frozen=True, slots=True)
class Template:
    title: str
    body: str
    """`str.format` text over `variables`."""

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(re.findall(r"{(\w+)}", self.title + self.body))


TEMPLATES: dict[MessageKind, Template] = {
    MessageKind.APPEAL_ROUTED: Template(
        "新诉求待办", "{enterprise}的{category}诉求已派给您办理，剩余时限{time_left}。详情：{link}"
    ),
    MessageKind.APPEAL_WARNING: Template(
        "诉求即将超时", "{enterprise}的{category}诉求即将超时，剩余{time_left}，请尽快办理。详情：{link}"
    ),
    MessageKind.APPEAL_BREACHED: Template(
        "诉求已超时", "{enterprise}的{category}诉求已超过时限（{time_left}），请立即处理。详情：{link}"
    ),
    MessageKind.APPEAL_ESCALATED: Template(
        "诉求已升级至您", "{enterprise}的{category}诉求已升级由您办理，剩余时限{time_left}。详情：{link}"
    ),
    MessageKind.APPEAL_RECEIVED: Template(
        "诉求已受理", "您好，{enterprise}提出的{category}诉求已收到，承办警长将在{time_left}内答复。进度：{link}"
    ),
    MessageKind.APPEAL_REFERRED: Template(
        "诉求已转办", "{enterprise}的{category}诉求不属公安职责，已转{department}办理，警长将全程跟进。进度：{link}"
    ),
    MessageKind.APPEAL_RESOLVED: Template(
        "诉求已办结", "{enterprise}的{category}诉求已办结，请对办理情况进行回访评价。评价：{link}"
    ),
    MessageKind.CALLBACK_NEEDED: Template(
        "请回访评价", "{enterprise}的{category}诉求已由{department}办结，请对办理情况进行回访评价。评价：{link}"
    ),
    MessageKind.CHIEFS_CHANGED: Template(
        "警长公示牌已更新", "{enterprise}的包联警长有调整（{tier}），请查看新的公示牌：{link}"
    ),
    MessageKind.DUTY_DUE: Template("走访任务", "{enterprise}的{duty}任务，请于{due}前完成。详情：{link}"),
    MessageKind.DUTY_OVERDUE: Template(
        "走访任务已逾期", "{enterprise}的{duty}任务已逾期（应于{due}前完成）。详情：{link}"
    ),
    MessageKind.DUTY_HANDED_OVER: Template(
        "走访任务转由您（B角）办理", "{enterprise}的{duty}任务已转由您办理，请于{due}前完成。详情：{link}"
    ),
    MessageKind.COVERAGE_GAP: Template("包联空缺", "{enterprise}缺少{tier}，请尽快指派。详情：{link}"),
    MessageKind.NOBODY_ACTING: Template(
        "无人在岗", "{enterprise}的{tier}目前无人在岗（A、B角均不在），请安排。详情：{link}"
    ),
}


def render(kind: MessageKind, variables: dict[str, str]) -> tuple[str, str]:
    """The title and text of a message of `kind`; a missing variable is a programming error (KeyError)."""
    template = TEMPLATES[kind]
    return template.title.format(**variables), template.body.format(**variables)


def template_variables(content: str) -> frozenset[str]:
    """The `${name}` placeholders of an SMS template as registered with a gateway."""
    return frozenset(re.findall(r"\$\{(\w+)\}", content))


CATEGORY_WORDS = {
    "administrative_service": "代办领办跟办",
    "production_disruption": "妨害生产经营警情",
    "dispute": "涉企矛盾纠纷",
    "public_order_trouble_spot": "周边治安乱点",
    "legal_four_preventions": "法务咨询、四防",
    "other": "其他",
}
TIER_WORDS = {"bureau_leader": "局领导", "station_chief": "所队长", "police_chief": "辖区警长"}
DUTY_WORDS = {
    "weekly_revisit": "每周回访",
    "leader_meeting": "每月见面座谈",
    "inspection": "每月走访督查",
    "joint_patrol": "警企联动联巡",
}
