"""The roster's summary of an officer's posts (`data.post_groups`): per tier in the scheme's order, how many
enterprises in each slot, and the posts by slot then name."""

from jingzhang.console.data import post_groups


def post(enterprise: str, tier: str, slot: str, name: str | None = None) -> dict[str, str | None]:
    return {"enterprise_id": enterprise, "enterprise_name": name, "tier": tier, "slot": slot}


def test_tiers_in_the_schemes_order_with_counts_per_slot() -> None:
    groups = post_groups(
        [
            post("e3", "police_chief", "B", "丙"),
            post("e1", "bureau_leader", "A", "乙"),
            post("e2", "police_chief", "A", "甲"),
            post("e4", "police_chief", "A", None),
            post("e5", "a_tier_added_later", "A", "丁"),
            post("e6", "station_chief", "B", "戊"),
        ]
    )
    assert [g["tier"] for g in groups] == ["bureau_leader", "station_chief", "police_chief", "a_tier_added_later"]
    chief = groups[2]
    assert chief["slots"] == {"A": 2, "B": 1}
    assert [p["enterprise_id"] for p in chief["posts"]] == ["e4", "e2", "e3"]  # A before B; a nameless one first


def test_no_posts_no_groups() -> None:
    assert post_groups([]) == []
