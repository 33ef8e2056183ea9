"""The copy watch's decision: step the partitioned copy's leader down only when it stalled behind a
serving origin, in a replicated cluster, at most once per cooldown."""

from jingzhang.shared.copy_watch import Sighting, StallDetector


def seen(origin: int, copy: int, *, replicated: bool = True, leaders: bool = True) -> Sighting:
    return Sighting(origin_last_seq=origin, copy_last_seq=copy, replicated=replicated, leaders=leaders)


def test_a_copy_that_keeps_up_is_never_nudged() -> None:
    detector = StallDetector(stall_after=3.0)
    assert not any(detector.nudge(seen(10 * t, 10 * t), float(t)) for t in range(20))


def test_an_idle_origin_and_copy_are_not_a_stall() -> None:
    detector = StallDetector(stall_after=3.0)
    assert not any(detector.nudge(seen(50, 50), float(t)) for t in range(20))


def test_a_copy_standing_still_while_the_origin_grows_is_nudged_stall_after_the_growth() -> None:
    detector = StallDetector(stall_after=3.0)
    assert not detector.nudge(seen(90, 90), 0.0)  # the leader is lost: both stand still
    assert not detector.nudge(seen(90, 90), 6.0)  # electing: nothing to source yet
    assert not detector.nudge(seen(120, 90), 7.0)  # the origin serves again: the source gets its chance
    assert not detector.nudge(seen(140, 90), 9.5)
    assert detector.nudge(seen(150, 90), 10.0)


def test_a_source_that_recovers_by_itself_is_left_alone() -> None:
    detector = StallDetector(stall_after=3.0)
    detector.nudge(seen(90, 90), 0.0)
    detector.nudge(seen(120, 90), 7.0)
    assert not any(detector.nudge(seen(120 + 10 * t, 115 + 10 * t), 7.5 + t) for t in range(10))


def test_no_nudge_without_leaders_or_replicas() -> None:
    for kind in ({"leaders": False}, {"replicated": False}):
        detector = StallDetector(stall_after=1.0)
        assert not any(detector.nudge(seen(100 + t, 90, **kind), float(t)) for t in range(10))


def test_a_copy_that_stays_stalled_is_nudged_once_per_cooldown() -> None:
    detector = StallDetector(stall_after=2.0, cooldown=10.0)
    detector.nudge(seen(100, 90), 0.0)
    nudged = [t for t in range(1, 30) if detector.nudge(seen(100 + t, 90), float(t))]
    assert nudged == [3, 13, 23]  # growth seen at 1, stalled at 3; again each cooldown while stuck
