"""Chinese names, enterprise names and credit codes from small built-in word lists.

Everything is drawn from a `random.Random` the caller seeded, so the same seed names the same people
and companies; `Unique` redraws on a clash so no two officers or enterprises share a name.
"""

import random
from collections.abc import Callable
from typing import TypeVar

from jingzhang.assignment.domain.credit_code import ALPHABET, with_check_character

T = TypeVar("T")

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏"
    "卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾"
    "侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红林斌波宁浩凯文博海峰晨阳亮志宏俊飞鑫雪琳颖"

# 恒口示范区 (Ankang): the report names 恒口派出所; the others are plausible neighbours.
STATIONS = (
    "恒口派出所",
    "大同派出所",
    "关庙派出所",
    "五里派出所",
    "付家河派出所",
    "吉河派出所",
    "共进派出所",
    "月河派出所",
)
BRIGADES = ("治安大队", "刑侦大队", "巡特警大队", "交警大队")
LEADER_POSITIONS = ("局长", "政委", "常务副局长", "副局长", "副局长", "副局长", "纪委书记", "督察长", "政治处主任")
STATION_LEADS = ("所长", "教导员", "副所长", "副所长")
BRIGADE_POSITIONS = ("大队长", "教导员", "副大队长", "民警", "民警", "民警")
RANKS = ("一级警督", "二级警督", "三级警督", "一级警司", "二级警司", "三级警司", "一级警员")

PLACES = ("恒口", "汉江", "秦巴", "月河", "安康", "金州", "富硒", "大同", "关庙", "五里", "兴安", "陕南")
TRADES = (
    ("新材料", "新材料"),
    ("电子科技", "电子信息"),
    ("毛绒玩具", "轻工制造"),
    ("富硒食品", "食品加工"),
    ("现代物流", "物流仓储"),
    ("绿色建材", "建材"),
    ("生物医药", "医药"),
    ("新能源", "能源"),
    ("纺织服饰", "纺织"),
    ("智能装备", "装备制造"),
    ("农业科技", "现代农业"),
    ("建设工程", "建筑"),
)
COMPANY_SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "实业有限公司")
PROJECT_KINDS = ("产业园建设项目", "生产基地项目", "综合体项目", "物流港项目", "标准化厂房项目", "示范园项目")
ROADS = ("恒口大道", "月河路", "工业园路", "汉江大道", "迎宾路", "兴业路", "创业路", "富强路")


class Unique:
    """Draws until the value is new: names and codes in the demo never repeat."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def draw(self, make: Callable[[], T], key: Callable[[T], str] = str) -> T:
        for _ in range(10_000):
            value = make()
            if key(value) not in self._seen:
                self._seen.add(key(value))
                return value
        raise RuntimeError("the word lists are too small for this many unique names")


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def company_name(rng: random.Random) -> tuple[str, str]:
    """A company and its industry."""
    place = rng.choice(PLACES)
    trade, industry = rng.choice(TRADES)
    middle = rng.choice(("", "市", "宏达", "鑫源", "华康", "瑞丰", "恒信", "中天", "博远", "嘉禾"))
    return f"{place}{middle}{trade}{rng.choice(COMPANY_SUFFIXES)}", industry


def project_name(rng: random.Random) -> tuple[str, str]:
    place = rng.choice(PLACES)
    trade, industry = rng.choice(TRADES)
    return f"{place}{trade}{rng.choice(PROJECT_KINDS)}", industry


def credit_code(rng: random.Random) -> str:
    """统一社会信用代码: 9 (市场监管) 1 (企业) 610902 (安康市汉滨区) + a 9-character body + check character."""
    body = "".join(rng.choice(ALPHABET) for _ in range(9))
    return with_check_character("91610902" + body)


def mobile(rng: random.Random) -> str:
    return rng.choice(("13", "15", "17", "18", "19")) + "".join(rng.choice("0123456789") for _ in range(9))


def address(rng: random.Random) -> str:
    return f"陕西省安康市恒口示范区{rng.choice(ROADS)}{rng.randint(1, 399)}号"
