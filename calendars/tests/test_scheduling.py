"""The pure scheduler (`calendars.scheduling`): no database, no Django.

Table-driven cases of availabilities -> expected meetings, then optimality against an
independent exact method (a second-by-second rasterisation of the windows and a dynamic
program over (time, invitees already met)), then properties over random inputs.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars import scheduling
from calendars.scheduling import (
    InviteeAvailability,
    Meeting,
    ScheduleResult,
    Unscheduled,
    Window,
    greedy_original,
    schedule,
    validate,
)

DAY0 = datetime(2024, 4, 1, tzinfo=UTC)  # a Monday


def at(clock: str, day: int = 0) -> datetime:
    """`at("09:30")`, `at("23:59:30", day=1)`: an aware UTC instant on DAY0 + day."""
    parts = [int(p) for p in clock.split(":")]
    hours, minutes, seconds = (parts + [0])[:3]
    return DAY0 + timedelta(days=day, hours=hours, minutes=minutes, seconds=seconds)


def win(start: str, end: str, pref: int = 2, day: int = 0) -> Window:
    """A window on DAY0 + day; an end earlier than the start is on the next day."""
    begin, finish = at(start, day), at(end, day)
    if finish <= begin:
        finish += timedelta(days=1)
    return Window(begin, finish, pref)


@dataclass(frozen=True)
class Case:
    owner: Sequence[Window]
    invitees: dict[int, Sequence[Window]]
    minutes: int
    # (invitee id, start, owner preference, invitee preference), in start order
    meetings: Sequence[tuple[int, datetime, int, int]]
    unscheduled: dict[int, str] = field(default_factory=dict)


def run(case: Case) -> ScheduleResult:
    invitees = [InviteeAvailability(i, windows) for i, windows in case.invitees.items()]
    duration = timedelta(minutes=case.minutes)
    result = schedule(owner_windows=case.owner, invitees=invitees, duration=duration)
    assert validate(result, case.owner, invitees, duration) == []
    return result


CASES = {
    "a window of exactly one meeting": Case(
        owner=[win("09:00", "09:30", 2)],
        invitees={1: [win("09:00", "09:30", 3)]},
        minutes=30,
        meetings=[(1, at("09:00"), 2, 3)],
    ),
    "a meeting across the seam of two adjacent owner windows takes the lower preference": Case(
        owner=[win("09:00", "09:20", 3), win("09:20", "10:00", 1)],
        invitees={1: [win("09:05", "09:45", 2)]},
        minutes=30,
        meetings=[(1, at("09:05"), 1, 2)],
    ),
    "a meeting across the seam of two adjacent invitee windows": Case(
        owner=[win("10:00", "11:00", 2)],
        invitees={1: [win("10:20", "10:40", 2), win("10:00", "10:20", 3)]},
        minutes=40,
        meetings=[(1, at("10:00"), 2, 2)],
    ),
    "overlapping windows: each instant keeps the highest preference": Case(
        owner=[win("09:00", "11:00", 1), win("09:30", "10:30", 3)],
        invitees={1: [win("09:00", "11:00", 2)]},
        minutes=30,
        meetings=[(1, at("09:30"), 3, 2)],
    ),
    "overlapping windows of one invitee merge into one stretch": Case(
        owner=[win("09:00", "12:00", 2)],
        invitees={1: [win("09:00", "09:40", 1), win("09:20", "10:00", 1)]},
        minutes=60,
        meetings=[(1, at("09:00"), 2, 1)],
    ),
    "hour blocks hh:00-hh:59 are one stretch; the bridged minute keeps the ending block's pref": Case(
        owner=[win("14:00", "14:59", 2), win("15:00", "15:59", 2)],
        invitees={1: [win("15:00", "15:59", 1), win("14:00", "14:59", 3)]},
        minutes=60,
        meetings=[(1, at("14:00"), 2, 3)],
    ),
    "the end of the last hour block is still :59, so a late 60-minute meeting does not fit": Case(
        owner=[win("14:00", "14:59", 2), win("15:00", "15:59", 2)],
        invitees={1: [win("15:00", "15:59", 3), win("16:00", "16:59", 3)]},
        minutes=60,
        meetings=[],
        unscheduled={1: "no_common_time"},
    ),
    "a gap of 61 seconds is not bridged": Case(
        owner=[win("14:00", "16:00", 2)],
        invitees={1: [win("14:00", "14:58:59", 3), win("15:00", "15:59", 3)]},
        minutes=60,
        meetings=[],
        unscheduled={1: "no_common_time"},
    ),
    "a gap of exactly 60 seconds with seconds in the boundaries is bridged": Case(
        owner=[win("14:00", "16:00", 2)],
        invitees={1: [win("14:00:30", "14:59:30", 3), win("15:00:30", "16:00", 1)]},
        minutes=60,
        meetings=[(1, at("14:05"), 2, 1)],
    ),
    "a window across midnight": Case(
        owner=[win("23:30", "00:30", 2)],
        invitees={1: [win("23:00", "01:00", 3)]},
        minutes=60,
        meetings=[(1, at("23:30"), 2, 3)],
    ),
    "a meeting across midnight between two windows": Case(
        owner=[win("23:00", "00:00", 2), win("00:00", "01:00", 3, day=1)],
        invitees={1: [win("23:40", "00:20", 2)]},
        minutes=40,
        meetings=[(1, at("23:40"), 2, 2)],
    ),
    "a one-day calendar: everyone fits, lower id first among equal starts": Case(
        owner=[win("09:00", "17:00", 2)],
        invitees={
            3: [win("16:30", "17:00", 2)],
            2: [win("09:00", "12:00", 3)],
            1: [win("09:00", "10:00", 1)],
        },
        minutes=30,
        meetings=[(1, at("09:00"), 2, 1), (2, at("09:30"), 2, 3), (3, at("16:30"), 2, 2)],
    ),
    "three invitees for two slots: the two who prefer it win": Case(
        owner=[win("09:00", "10:00", 2)],
        invitees={
            1: [win("09:00", "10:00", 1)],
            2: [win("09:00", "10:00", 3)],
            3: [win("09:00", "10:00", 3)],
        },
        minutes=30,
        meetings=[(2, at("09:00"), 2, 3), (3, at("09:30"), 2, 3)],
        unscheduled={1: "taken"},
    ),
    "three equal invitees for two slots: the lowest ids win, in id order": Case(
        owner=[win("09:00", "10:00", 2)],
        invitees={
            12: [win("09:00", "10:00", 2)],
            7: [win("09:00", "10:00", 2)],
            3: [win("09:00", "10:00", 2)],
        },
        minutes=30,
        meetings=[(3, at("09:00"), 2, 2), (7, at("09:30"), 2, 2)],
        unscheduled={12: "taken"},
    ),
    "two meetings at the lowest preference beat one at the highest": Case(
        owner=[win("09:00", "10:00", 1), win("09:15", "09:45", 3)],
        invitees={
            1: [win("09:15", "09:45", 3)],
            2: [win("09:00", "09:30", 1)],
            3: [win("09:30", "10:00", 1)],
        },
        minutes=30,
        meetings=[(2, at("09:00"), 1, 1), (3, at("09:30"), 1, 1)],
        unscheduled={1: "taken"},
    ),
    "a meeting never runs past the end of a window": Case(
        owner=[win("09:00", "09:55", 2)],
        invitees={1: [win("09:00", "10:30", 2)], 2: [win("09:00", "10:30", 2)]},
        minutes=30,
        meetings=[(1, at("09:00"), 2, 2)],
        unscheduled={2: "taken"},
    ),
    "a window shorter than the meeting is never enough": Case(
        owner=[win("09:00", "10:00", 2)],
        invitees={1: [win("09:00", "09:29:59", 3)]},
        minutes=30,
        meetings=[],
        unscheduled={1: "no_common_time"},
    ),
    "second-level boundaries: 09:03-09:40 admits 09:05 for 30 minutes": Case(
        owner=[win("09:03", "09:40", 2)],
        invitees={1: [win("09:00", "10:00", 2)]},
        minutes=30,
        meetings=[(1, at("09:05"), 2, 2)],
    ),
    "second-level boundaries: 09:05:01-09:35 admits nothing for 30 minutes": Case(
        owner=[win("09:05:01", "09:35", 2)],
        invitees={1: [win("09:00", "10:00", 2)]},
        minutes=30,
        meetings=[],
        unscheduled={1: "no_common_time"},
    ),
    "a duration that is not a multiple of 5 minutes still never overlaps": Case(
        owner=[win("09:00", "09:30", 2)],
        invitees={1: [win("09:00", "09:30", 2)], 2: [win("09:00", "09:30", 2)]},
        minutes=12,
        meetings=[(1, at("09:00"), 2, 2), (2, at("09:15"), 2, 2)],
    ),
    "nothing at all to schedule": Case(owner=[], invitees={}, minutes=30, meetings=[]),
    "the owner with no windows": Case(
        owner=[],
        invitees={1: [win("09:00", "10:00", 2)], 2: []},
        minutes=30,
        meetings=[],
        unscheduled={1: "no_common_time", 2: "no_availability"},
    ),
    "every reason at once": Case(
        owner=[win("09:00", "09:30", 2)],
        invitees={
            1: [],
            2: [win("13:00", "14:00", 3)],
            3: [win("09:00", "09:30", 2)],
            4: [win("09:00", "09:30", 3)],
        },
        minutes=30,
        meetings=[(4, at("09:00"), 2, 3)],
        unscheduled={1: "no_availability", 2: "no_common_time", 3: "taken"},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_schedules_as_the_table_says(case: Case) -> None:
    result = run(case)
    assert [
        (m.invitee_id, m.start, m.owner_preference, m.invitee_preference) for m in result.meetings
    ] == list(case.meetings)
    assert all(m.end - m.start == timedelta(minutes=case.minutes) for m in result.meetings)
    assert {u.invitee_id: u.reason for u in result.unscheduled} == case.unscheduled
    assert result.optimal


def test_output_is_utc_whatever_the_input_zone() -> None:
    toronto = ZoneInfo("America/Toronto")
    owner = [Window(datetime(2024, 4, 1, 9, tzinfo=toronto), datetime(2024, 4, 1, 10, tzinfo=toronto), 2)]
    result = schedule(
        owner_windows=owner, invitees=[InviteeAvailability(1, owner)], duration=timedelta(minutes=30)
    )
    (meeting,) = result.meetings
    assert meeting.start == datetime(2024, 4, 1, 13, tzinfo=UTC)
    assert meeting.start.tzinfo is UTC and meeting.end.tzinfo is UTC


TORONTO = ZoneInfo("America/Toronto")


def toronto(day: int, month: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=TORONTO, fold=fold)


DST_CASES = {
    # 2024-03-10: 02:00 EST jumps to 03:00 EDT. 01:30-03:30 on the wall is one real hour.
    "spring forward: a wall-clock 2-hour window is 1 hour long": (
        [Window(toronto(10, 3, 1, 30), toronto(10, 3, 3, 30), 2)],
        [Window(toronto(10, 3, 0, 0), toronto(10, 3, 6, 0), 2)],
        60,
        [datetime(2024, 3, 10, 6, 30, tzinfo=UTC)],
    ),
    "spring forward: 90 minutes do not fit in it": (
        [Window(toronto(10, 3, 1, 30), toronto(10, 3, 3, 30), 2)],
        [Window(toronto(10, 3, 0, 0), toronto(10, 3, 6, 0), 2)],
        90,
        [],
    ),
    # 2024-11-03: 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice.
    "fall back: the repeated hour is told apart by fold": (
        [Window(toronto(3, 11, 0, 30), toronto(3, 11, 2, 0), 2)],  # 04:30Z .. 07:00Z
        [Window(toronto(3, 11, 1, 30, fold=1), toronto(3, 11, 2, 30), 2)],  # 06:30Z .. 07:30Z
        30,
        [datetime(2024, 11, 3, 6, 30, tzinfo=UTC)],
    ),
    "fall back: a wall-clock 1-hour window 01:00-02:00 EDT-to-EST is 2 hours long": (
        [Window(toronto(3, 11, 1, 0), toronto(3, 11, 2, 0), 2)],  # 05:00Z .. 07:00Z
        [Window(toronto(3, 11, 0, 0), toronto(3, 11, 4, 0), 2)],
        120,
        [datetime(2024, 11, 3, 5, 0, tzinfo=UTC)],
    ),
}


@pytest.mark.parametrize(("owner", "invitee", "minutes", "starts"), DST_CASES.values(), ids=DST_CASES.keys())
def test_dst_windows_are_exact_instants(
    owner: list[Window], invitee: list[Window], minutes: int, starts: list[datetime]
) -> None:
    invitees = [InviteeAvailability(1, invitee)]
    duration = timedelta(minutes=minutes)
    result = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert [m.start for m in result.meetings] == starts
    assert validate(result, owner, invitees, duration) == []


# --------------------------------------------------------------------------- bad input


BAD_WINDOWS = {
    "naive start": (lambda: Window(datetime(2024, 4, 1, 9), at("10:00"), 2), ValueError),  # noqa: DTZ001
    "end before start": (lambda: Window(at("10:00"), at("09:00"), 2), ValueError),
    "empty window": (lambda: Window(at("10:00"), at("10:00"), 2), ValueError),
    "preference 0": (lambda: Window(at("09:00"), at("10:00"), 0), ValueError),
    "preference 4": (lambda: Window(at("09:00"), at("10:00"), 4), ValueError),
    "preference True": (lambda: Window(at("09:00"), at("10:00"), True), TypeError),
    "start not a datetime": (lambda: Window("09:00", at("10:00"), 2), TypeError),  # type: ignore[arg-type]
}


@pytest.mark.parametrize(("make", "error"), BAD_WINDOWS.values(), ids=BAD_WINDOWS.keys())
def test_bad_windows_are_rejected(make: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("invitees", "minutes", "time_limit"),
    [
        ([InviteeAvailability(1, []), InviteeAvailability(1, [])], 30, None),
        ([], 0, None),
        ([], -30, None),
        ([], 30, -1.0),
    ],
    ids=["repeated invitee", "zero duration", "negative duration", "negative time limit"],
)
def test_bad_arguments_are_rejected(
    invitees: list[InviteeAvailability], minutes: int, time_limit: float | None
) -> None:
    with pytest.raises(ValueError):
        schedule(
            owner_windows=[], invitees=invitees, duration=timedelta(minutes=minutes), time_limit=time_limit
        )


# --------------------------------------------------------------------------- random instances


BOUNDARY_JITTER = (0, 0, 0, 30, 59, 60, 61, -1)  # seconds: provoke touching / bridged / not


def random_instance(
    rng: random.Random, n_invitees: int, hours: int = 4
) -> tuple[list[Window], list[InviteeAvailability], timedelta]:
    """Small random windows between 08:00 and 08:00 + hours, with awkward boundaries."""

    def window() -> Window:
        a, b = sorted(rng.sample(range(0, hours * 60 + 1, 10), 2))
        start = at("08:00") + timedelta(minutes=a, seconds=max(0, rng.choice(BOUNDARY_JITTER)))
        end = at("08:00") + timedelta(minutes=b, seconds=rng.choice(BOUNDARY_JITTER))
        if end <= start:
            end = start + timedelta(minutes=10)
        return Window(start, end, rng.randint(1, 3))

    owner = [window() for _ in range(rng.randint(1, 4))]
    ids = rng.sample(range(1, 50), n_invitees)
    invitees = [InviteeAvailability(i, [window() for _ in range(rng.randint(0, 3))]) for i in ids]
    duration = timedelta(minutes=rng.choice([10, 15, 20, 25, 30, 45, 12, 7]))
    return owner, invitees, duration


def raster(windows: Sequence[Window], origin: datetime, seconds: int) -> np.ndarray:
    """Preference of every second after `origin` (0 = outside every stretch), the slow way."""
    pref = np.zeros(seconds, dtype=np.int64)
    for w in windows:
        a, b = int((w.start - origin).total_seconds()), int((w.end - origin).total_seconds())
        pref[a:b] = np.maximum(pref[a:b], w.preference)
    covered = np.flatnonzero(pref)
    for left, right in zip(covered[:-1], covered[1:], strict=True):
        if 1 < right - left <= 61:  # an uncovered run of 1..60 seconds: bridged
            pref[left + 1 : right] = pref[left]  # the second before it belongs only to windows ending there
    return pref


def brute_force(
    owner: Sequence[Window], invitees: Sequence[InviteeAvailability], duration: timedelta
) -> tuple[int, int, int]:
    """The optimal `(count, preference total, -start sum in epoch seconds)`, independently.

    Every 5-minute start is tried for every invitee (no reduction), feasibility and
    preferences come from a per-second raster, and a memoised search over (start index, set
    of invitees met) maximises the objective tuple lexicographically.
    """
    origin = at("08:00")
    seconds = 12 * 3600
    length = int(duration.total_seconds())
    starts = range(0, seconds - length, 300)
    owner_pref = raster(owner, origin, seconds)

    def options(windows: Sequence[Window]) -> dict[int, int]:
        mine = raster(windows, origin, seconds)
        found = {}
        for index, s in enumerate(starts):
            low = min(int(owner_pref[s : s + length].min()), int(mine[s : s + length].min()))
            if low > 0:
                found[index] = int(owner_pref[s : s + length].min() + mine[s : s + length].min())
        return found

    table = [options(inv.windows) for inv in invitees]
    skip = -(-length // 300)  # the next start that does not overlap
    epoch_origin = int((origin - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())

    @functools.cache
    def best(index: int, met: int) -> tuple[int, int, int]:
        if index >= len(starts):
            return (0, 0, 0)
        value = best(index + 1, met)
        for who, choices in enumerate(table):
            if not met & (1 << who) and index in choices:
                rest = best(index + skip, met | (1 << who))
                here = (1 + rest[0], choices[index] + rest[1], rest[2] - (epoch_origin + starts[index]))
                value = max(value, here)
        return value

    return best(0, 0)


@pytest.mark.parametrize("seed", range(120))
def test_optimal_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    owner, invitees, duration = random_instance(rng, rng.randint(1, 5))
    result = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert validate(result, owner, invitees, duration) == []
    assert result.optimal
    assert result.objective() == brute_force(owner, invitees, duration)


@pytest.mark.parametrize("seed", range(25))
def test_staged_solve_finds_the_same_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The two-stage path (for objectives too large to weigh) agrees with the weighted one."""
    rng = random.Random(1000 + seed)
    owner, invitees, duration = random_instance(rng, rng.randint(3, 8), hours=6)
    weighted = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    monkeypatch.setattr(scheduling, "EXACT_OBJECTIVE_LIMIT", 0)
    staged = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert staged.optimal and weighted.optimal
    assert staged.objective() == weighted.objective()
    assert validate(staged, owner, invitees, duration) == []


def shuffled(
    rng: random.Random, owner: list[Window], invitees: list[InviteeAvailability]
) -> tuple[list[Window], list[InviteeAvailability]]:
    owner = owner[:]
    rng.shuffle(owner)
    people = [
        InviteeAvailability(inv.invitee_id, rng.sample(list(inv.windows), len(inv.windows)))
        for inv in invitees
    ]
    rng.shuffle(people)
    return owner, people


@pytest.mark.parametrize("seed", range(5))
def test_deterministic_whatever_the_input_order(seed: int) -> None:
    rng = random.Random(seed)
    owner = [win("09:00", "12:00", rng.randint(1, 3), day=d) for d in range(3)]
    owner += [win("13:00", "15:00", rng.randint(1, 3), day=d) for d in range(3)]
    invitees = []
    for invitee_id in rng.sample(range(1, 500), 40):
        windows = []
        for _ in range(rng.randint(1, 3)):
            begin = rng.randrange(8 * 60, 16 * 60, 15)
            start = at("00:00", rng.randrange(3)) + timedelta(minutes=begin)
            windows.append(
                Window(start, start + timedelta(minutes=rng.choice([30, 60, 90])), rng.randint(1, 3))
            )
        invitees.append(InviteeAvailability(invitee_id, windows))
    duration = timedelta(minutes=30)
    first = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert schedule(owner_windows=owner, invitees=invitees, duration=duration) == first
    for _ in range(3):
        other_owner, other_invitees = shuffled(rng, owner, invitees)
        assert schedule(owner_windows=other_owner, invitees=other_invitees, duration=duration) == first
    assert len(first.meetings) > 10  # the instance is not trivial
    assert validate(first, owner, invitees, duration) == []


def test_time_limit_zero_gives_a_valid_greedy_schedule_marked_not_optimal() -> None:
    rng = random.Random(7)
    owner, invitees, duration = random_instance(rng, 8, hours=6)
    quick = schedule(owner_windows=owner, invitees=invitees, duration=duration, time_limit=0)
    best = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert not quick.optimal and best.optimal
    assert validate(quick, owner, invitees, duration) == []
    assert quick.objective() <= best.objective()


@pytest.mark.parametrize(
    "incumbent",
    [None, "empty", "one meeting"],
    ids=["nothing found", "the trivial empty schedule", "a poor schedule"],
)
def test_a_solver_stopped_by_the_time_limit_still_gives_a_good_valid_schedule(
    incumbent: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HiGHS may stop with no schedule or a poor one; the greedy schedule is the floor."""
    rng = random.Random(11)
    owner, invitees, duration = random_instance(rng, 8, hours=6)
    greedy = schedule(owner_windows=owner, invitees=invitees, duration=duration, time_limit=0)

    def stopped_milp(cost: np.ndarray, **_: object) -> SimpleNamespace:
        if incumbent is None:
            return SimpleNamespace(x=None, status=1)
        x = np.zeros(cost.size)
        if incumbent == "one meeting":
            x[0] = 1.0
        return SimpleNamespace(x=x, status=1)

    monkeypatch.setattr(scheduling, "milp", stopped_milp)
    result = schedule(owner_windows=owner, invitees=invitees, duration=duration, time_limit=5)
    assert not result.optimal
    assert validate(result, owner, invitees, duration) == []
    assert result.objective() >= greedy.objective()
    assert len(result.meetings) > 1


def salvage(booked: Sequence[Meeting], duration: timedelta) -> int:
    """How many invitees the original greedy's bookings could really hold: the first
    on-grid meeting of the right length inside each booking, skipping repeats and overlaps."""
    kept: list[tuple[datetime, datetime]] = []
    met: set[int] = set()
    for meeting in booked:
        start = meeting.start + (scheduling._EPOCH - meeting.start) % scheduling.GRID
        if meeting.invitee_id in met or start + duration > meeting.end:
            continue
        if any(start < end and begin < start + duration for begin, end in kept):
            continue
        kept.append((start, start + duration))
        met.add(meeting.invitee_id)
    return len(met)


windows_strategy = st.builds(
    lambda a, length, jitter, pref: Window(
        at("08:00") + timedelta(minutes=a), at("08:00") + timedelta(minutes=a + length, seconds=jitter), pref
    ),
    st.integers(0, 300),
    st.integers(5, 150),
    st.sampled_from([0, 0, -1, 59, 60, 61]),
    st.integers(1, 3),
)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    owner=st.lists(windows_strategy, max_size=5),
    invitee_windows=st.lists(st.lists(windows_strategy, max_size=3), max_size=7),
    minutes=st.sampled_from([5, 10, 15, 30, 45, 60, 13]),
)
def test_any_result_is_valid_and_beats_the_greedies(
    owner: list[Window], invitee_windows: list[list[Window]], minutes: int
) -> None:
    invitees = [InviteeAvailability(i + 1, windows) for i, windows in enumerate(invitee_windows)]
    duration = timedelta(minutes=minutes)
    result = schedule(owner_windows=owner, invitees=invitees, duration=duration)
    assert validate(result, owner, invitees, duration) == []
    assert result.optimal
    greedy = schedule(owner_windows=owner, invitees=invitees, duration=duration, time_limit=0)
    assert validate(greedy, owner, invitees, duration) == []
    assert result.objective() >= greedy.objective()
    original = greedy_original(owner_windows=owner, invitees=invitees)
    assert len(result.meetings) >= salvage(original, duration)


# --------------------------------------------------------------------------- greedy_original


def test_greedy_original_reproduces_the_original_bugs() -> None:
    owner = [win("09:00", "10:00", 2), win("09:30", "11:00", 3), win("13:00", "14:00", 1)]
    invitees = [
        InviteeAvailability(1, [win("09:00", "14:00", 2)]),
        InviteeAvailability(2, [win("09:00", "10:00", 3)]),
    ]
    booked = greedy_original(owner_windows=owner, invitees=invitees)
    assert [(m.invitee_id, m.start, m.end) for m in booked] == [
        (1, at("09:00"), at("10:00")),  # the whole overlap, not 30 minutes
        (1, at("09:30"), at("11:00")),  # the same invitee again, overlapping the first
        (1, at("13:00"), at("14:00")),
    ]
    result = ScheduleResult(meetings=booked, unscheduled=(Unscheduled(2, "taken"),), optimal=False)
    problems = validate(result, owner, invitees, timedelta(minutes=30))
    assert any("more than once" in p for p in problems)
    assert any("overlap" in p for p in problems)
    assert any("does not last" in p for p in problems)


# --------------------------------------------------------------------------- validate()


GOOD_OWNER = [win("09:00", "10:00", 2)]
GOOD_INVITEES = [
    InviteeAvailability(1, [win("09:00", "10:00", 3)]),
    InviteeAvailability(2, [win("09:00", "10:00", 1)]),
    InviteeAvailability(3, []),
]
GOOD = ScheduleResult(
    meetings=(Meeting(1, at("09:00"), at("09:30"), 2, 3), Meeting(2, at("09:30"), at("10:00"), 2, 1)),
    unscheduled=(Unscheduled(3, "no_availability"),),
    optimal=True,
)


def with_meeting(index: int, **changes: object) -> ScheduleResult:
    meetings = list(GOOD.meetings)
    meetings[index] = replace(meetings[index], **changes)  # type: ignore[arg-type]
    return replace(GOOD, meetings=tuple(meetings))


BROKEN = {
    "overlapping meetings": (with_meeting(1, start=at("09:25"), end=at("09:55")), "overlap"),
    "wrong length": (with_meeting(1, end=at("09:50")), "does not last"),
    "off the 5-minute grid": (with_meeting(1, start=at("09:29"), end=at("09:59")), "5-minute"),
    "outside the invitee's windows": (
        with_meeting(1, start=at("09:35"), end=at("10:05")),
        "outside the invitee",
    ),
    "a stated preference that is wrong": (with_meeting(0, invitee_preference=2), "invitee preference 3"),
    "not UTC": (
        with_meeting(0, start=at("09:00").astimezone(TORONTO), end=at("09:30").astimezone(TORONTO)),
        "not in UTC",
    ),
    "someone met twice": (with_meeting(1, invitee_id=1), "more than once"),
    "a stranger": (with_meeting(1, invitee_id=99), "not an invitee"),
    "unsorted meetings": (replace(GOOD, meetings=GOOD.meetings[::-1]), "not sorted by start"),
    "a wrong reason": (replace(GOOD, unscheduled=(Unscheduled(3, "taken"),)), "expected 'no_availability'"),
    "a forgotten invitee": (replace(GOOD, unscheduled=()), "exactly once"),
}


@pytest.mark.parametrize(("result", "complaint"), BROKEN.values(), ids=BROKEN.keys())
def test_validate_reports_each_violation(result: ScheduleResult, complaint: str) -> None:
    assert validate(GOOD, GOOD_OWNER, GOOD_INVITEES, timedelta(minutes=30)) == []
    problems = validate(result, GOOD_OWNER, GOOD_INVITEES, timedelta(minutes=30))
    assert any(complaint in p for p in problems), problems


@pytest.mark.parametrize(
    ("windows", "reason", "expected"),
    [
        ([win("11:00", "12:00")], "no_common_time", []),
        ([win("11:00", "12:00")], "taken", ["expected 'no_common_time'"]),
        ([win("09:00", "09:30")], "no_common_time", ["expected 'taken'"]),
    ],
)
def test_validate_checks_reasons(windows: list[Window], reason: str, expected: list[str]) -> None:
    invitees = [*GOOD_INVITEES, InviteeAvailability(4, windows)]
    result = replace(GOOD, unscheduled=(*GOOD.unscheduled, Unscheduled(4, reason)))  # type: ignore[arg-type]
    problems = validate(result, GOOD_OWNER, invitees, timedelta(minutes=30))
    assert [p[p.index("expected") :] for p in problems] == expected
