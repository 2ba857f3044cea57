"""The kill schedule and the bookings' stories are functions of the seed: a failing run replays by its seed."""

from __future__ import annotations

import pytest

from chaos.schedule import LEAD_S, TARGETS, kill_schedule
from chaos.storm import STORIES, stories


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    assert kill_schedule(7, 2.0) == kill_schedule(7, 2.0)
    assert kill_schedule(7, 2.0) != kill_schedule(8, 2.0)
    assert stories(7, 50) == stories(7, 50)
    assert stories(7, 50) != stories(8, 50)


@pytest.mark.parametrize("seed", range(20))
def test_every_target_dies_at_least_once_inside_the_storm(seed: int) -> None:
    minutes = 0.75
    schedule = kill_schedule(seed, minutes)
    assert {k.target for k in schedule} == set(TARGETS)
    assert [k.at_s for k in schedule] == sorted(k.at_s for k in schedule)
    assert all(k.at_s >= LEAD_S and k.at_s + k.down_s < minutes * 60 for k in schedule)


def test_a_longer_storm_kills_more_often() -> None:
    assert len(kill_schedule(1, 10)) == 60
    assert len(kill_schedule(1, 0.5)) == len(TARGETS)


def test_every_story_is_told_in_a_storm_of_some_size() -> None:
    assert {s.name for s in stories(3, 200)} == {s.name for s, _ in STORIES}


@pytest.mark.parametrize("minutes", [0, -1, 0.1])
def test_a_storm_too_short_to_kill_anything_is_refused(minutes: float) -> None:
    with pytest.raises(ValueError, match=r"minutes|no time"):
        kill_schedule(1, minutes)
