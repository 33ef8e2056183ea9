"""Translating a forum's collected appeals into raise commands, from patrols' event as the reader decodes it:
received on the day the forum was held."""

from datetime import UTC, date, datetime

from jingzhang.appeals.domain.vocabulary import Category, Channel
from jingzhang.appeals.reactors.forum_intake import forum_commands
from jingzhang.appeals.upstream.patrols import READS, ForumHeld
from jingzhang.patrols.domain.activity import ForumHeld as PublishedForumHeld
from jingzhang.patrols.domain.activity import collect_appeal, collected_appeal_id

from ..unit.samples import ENTERPRISE, POLICE_A, T0

HELD_ON = date(2026, 3, 2)
SAME_DAY = T0  # 17:00 in Shanghai, on the forum's day


def forum(*categories: str) -> ForumHeld:
    """What patrols publishes, decoded by our reader."""
    published = PublishedForumHeld(
        activity_id="forum-1",
        enterprise_id=None,
        officer_ids=(POLICE_A,),
        occurred_on=HELD_ON,
        attendees=30,
        collected_appeals=tuple(
            collect_appeal("forum-1", f"r{i}", ENTERPRISE, "noise at night", c) for i, c in enumerate(categories)
        ),
    )
    read = READS.decode(published.event_type, published.schema_version, published.model_dump(mode="json"))
    assert isinstance(read, ForumHeld)
    return read


class TestForumHeld:
    def test_each_collected_appeal_is_raised_under_its_deterministic_id_on_the_forum_channel(self) -> None:
        cmds = forum_commands(forum("dispute", "legal_four_preventions"), SAME_DAY)
        assert [c.appeal_id for c in cmds] == [
            collected_appeal_id("forum-1", "r0"),
            collected_appeal_id("forum-1", "r1"),
        ]
        assert {c.channel for c in cmds} == {Channel.FORUM}
        assert [c.category for c in cmds] == [Category.DISPUTE, Category.LEGAL_FOUR_PREVENTIONS]
        assert {(c.enterprise_id, c.description, c.raised_by) for c in cmds} == {
            (ENTERPRISE, "noise at night", "forum:forum-1")
        }

    def test_a_category_outside_the_five_direct_services_is_other(self) -> None:
        [cmd] = forum_commands(forum("parking"), SAME_DAY)
        assert cmd.category is Category.OTHER

    def test_a_forum_that_collected_nothing_raises_nothing(self) -> None:
        assert forum_commands(forum(), SAME_DAY) == []

    def test_recorded_on_the_forums_day_they_were_received_when_recorded(self) -> None:
        [cmd] = forum_commands(forum("dispute"), SAME_DAY)
        assert cmd.received_at == SAME_DAY

    def test_recorded_days_later_they_were_received_by_the_end_of_the_forums_day(self) -> None:
        [cmd] = forum_commands(forum("dispute"), datetime(2026, 3, 9, 2, 0, tzinfo=UTC))
        assert cmd.received_at == datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
