"""Benchmark of the scheduler: `python -m calendars.bench [--quick] [--seed N]`.

A script, not a test; it needs no Django settings. It generates seeded instances like
notes/scheduling.md section 4 and prints, for each, the number of invitees scheduled, the
preference total and the wall-clock time of our solver (`schedule`) and of the original
system's greedy (`greedy_original`), and a check of optimality:

- small instances: an *independent* exact check that shares no code with the solver.
  Candidates come from a minute-by-minute rasterisation of the windows (not the solver's
  sweep line and left-shift reduction), conflicts are one row per minute (not maximal
  cliques over 5-minute cells), and the objective is solved lexicographically in three
  stages (count, then preference with the count held, then start sum with both held)
  instead of one weighted objective. Its (count, preference, start sum) must equal ours.
- large instances: the solver's own model solved in those three stages, which confirms the
  weighted single objective (the part whose exactness depends on magnitudes). The large
  fully booked case takes minutes to check that way, so only with `--thorough`.

Instances (UTC, weekdays, from Monday 2024-01-01):
- owner: 09-12 and 13-17 blocks, each kept with probability 0.8; 30% of them split at a
  whole hour into two adjacent windows with different preferences;
- invitees: 1-4 windows (10-20 in the fully booked cases) of 30-180 minutes between 08:00
  and 18:00, half of them starting at :15 or :45; preferences drawn from {1, 2, 2, 3}.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from calendars import scheduling
from calendars.scheduling import (
    BRIDGE,
    GRID,
    InviteeAvailability,
    ScheduleResult,
    Window,
    greedy_original,
    schedule,
    validate,
)

FIRST_MONDAY = datetime(2024, 1, 1, tzinfo=UTC)
PREFERENCES = (1, 2, 2, 3)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Instance:
    name: str
    owner_windows: tuple[Window, ...]
    invitees: tuple[InviteeAvailability, ...]
    duration: timedelta
    check: str  # "independent", "staged" or "thorough" (staged, only with --thorough)


def generate(
    *, invitees: int, weeks: int, duration_minutes: int, seed: int, windows_each: tuple[int, int] = (1, 4)
) -> tuple[tuple[Window, ...], tuple[InviteeAvailability, ...], timedelta]:
    """A seeded random instance (see the module docstring)."""
    rng = random.Random(seed)
    days = [FIRST_MONDAY + timedelta(days=d) for d in range(7 * weeks) if d % 7 < 5]
    owner: list[Window] = []
    for day in days:
        for first, last in ((9, 12), (13, 17)):
            if rng.random() >= 0.8:
                continue
            begin, end = day + timedelta(hours=first), day + timedelta(hours=last)
            pref = rng.choice(PREFERENCES)
            if rng.random() < 0.3:
                cut = day + timedelta(hours=rng.randrange(first + 1, last))
                other = rng.choice([p for p in (1, 2, 3) if p != pref])
                owner += [Window(begin, cut, pref), Window(cut, end, other)]
            else:
                owner.append(Window(begin, end, pref))
    people: list[InviteeAvailability] = []
    for invitee_id in range(1, invitees + 1):
        windows = []
        for _ in range(rng.randint(*windows_each)):
            day = rng.choice(days)
            length = rng.randrange(30, 181, 15)
            latest = 18 * 60 - length  # minutes after midnight
            offset = 8 * 60 + 30 * rng.randint(0, (latest - 8 * 60) // 30)
            if rng.random() < 0.5 and offset + 15 <= latest:
                offset += 15
            start = day + timedelta(minutes=offset)
            windows.append(Window(start, start + timedelta(minutes=length), rng.choice(PREFERENCES)))
        people.append(InviteeAvailability(invitee_id, windows))
    return tuple(owner), tuple(people), timedelta(minutes=duration_minutes)


def instances(seed: int, quick: bool) -> list[Instance]:
    plain = [(30, 1, "independent")]
    booked = [(100, 1, "independent")]
    if not quick:
        plain += [(300, 4, "staged"), (1000, 26, "staged")]
        booked += [(1000, 8, "thorough")]  # its staged check takes minutes
    found = []
    for n, weeks, check in plain:
        for minutes in (30, 45):
            owner, people, duration = generate(invitees=n, weeks=weeks, duration_minutes=minutes, seed=seed)
            found.append(Instance(f"{n} inv / {weeks} wk, D={minutes}", owner, people, duration, check))
    for n, weeks, check in booked:  # far more demand than the owner's hours can hold
        owner, people, duration = generate(
            invitees=n, weeks=weeks, duration_minutes=30, seed=seed, windows_each=(10, 20)
        )
        found.append(Instance(f"fully booked: {n} inv / {weeks} wk, D=30", owner, people, duration, check))
    return found


# --------------------------------------------------------------------------- checks


Objective = tuple[int, int, int]  # (count, preference total, start sum in minutes)


def _staged(prefs: NDArray[np.int64], starts: NDArray[np.int64], conflicts: csr_array) -> Objective:
    """Lexicographic optimum by three MILPs: max count; max preference; min start sum."""
    n = prefs.size
    if n == 0:
        return 0, 0, 0
    held = [LinearConstraint(conflicts, -np.inf, 1.0)]
    best: list[int] = []
    for objective in (-np.ones(n), -prefs.astype(np.float64), starts.astype(np.float64)):
        result = milp(
            objective,
            integrality=np.ones(n, dtype=np.int8),
            bounds=Bounds(0, 1),
            constraints=held,
            options={"mip_rel_gap": 0.0},
        )
        if result.status != 0 or result.x is None:
            raise RuntimeError(f"staged check failed: {result.message}")
        value = round(float(objective @ np.round(result.x)))
        best.append(abs(value))
        held.append(LinearConstraint(objective.reshape(1, -1), -np.inf, value + 0.5))
    return best[0], best[1], best[2]


def _raster(windows: Sequence[Window], origin: datetime, minutes: int) -> NDArray[np.int64]:
    """Preference of each minute after `origin` (0: outside every stretch).

    Needs windows on whole minutes. A run of uncovered minutes no longer than `BRIDGE`
    between covered ones takes the preference of the minute before it: that minute is
    covered only by windows ending where the gap starts, which is the contract's rule.
    """
    pref = np.zeros(minutes, dtype=np.int64)
    for w in windows:
        if (w.start - origin) % MINUTE or (w.end - origin) % MINUTE:
            raise ValueError("the raster check needs windows on whole minutes")
        a, b = (w.start - origin) // MINUTE, (w.end - origin) // MINUTE
        pref[a:b] = np.maximum(pref[a:b], w.preference)
    covered = np.flatnonzero(pref)
    for left, right in zip(covered[:-1], covered[1:], strict=True):
        if 1 < right - left <= BRIDGE // MINUTE + 1:
            pref[left + 1 : right] = pref[left]
    return pref


def independent_check(instance: Instance) -> Objective:
    """The optimum found without any of the solver's code (see the module docstring).

    The start sum is in minutes from `FIRST_MONDAY`.
    """
    everything = [*instance.owner_windows, *(w for inv in instance.invitees for w in inv.windows)]
    minutes = (max(w.end for w in everything) - FIRST_MONDAY) // MINUTE + 1
    length = instance.duration // MINUTE
    step = GRID // MINUTE

    def slot_prefs(windows: Sequence[Window]) -> NDArray[np.int64]:
        raster = _raster(windows, FIRST_MONDAY, minutes)
        lows = np.asarray(
            np.lib.stride_tricks.sliding_window_view(raster, length).min(axis=1), dtype=np.int64
        )
        lows[np.arange(lows.size) % step != 0] = 0  # starts only on the 5-minute grid
        return lows

    owner = slot_prefs(instance.owner_windows)
    who: list[int] = []
    starts: list[int] = []
    prefs: list[int] = []
    for index, invitee in enumerate(instance.invitees):
        if invitee.windows:
            mine = slot_prefs(invitee.windows)
            for start in np.flatnonzero((owner > 0) & (mine > 0)).tolist():
                who.append(index)
                starts.append(start)
                prefs.append(int(owner[start] + mine[start]))
    rows: set[tuple[int, ...]] = set()
    by_invitee: dict[int, list[int]] = {}
    for j, person in enumerate(who):
        by_invitee.setdefault(person, []).append(j)
    rows.update(tuple(members) for members in by_invitee.values())
    covering: dict[int, list[int]] = {}
    for j, start in enumerate(starts):
        for minute in range(start, start + length):
            covering.setdefault(minute, []).append(j)
    rows.update(tuple(members) for members in covering.values())
    ordered = sorted(row for row in rows if len(row) > 1)
    row_ids = np.repeat(np.arange(len(ordered)), [len(row) for row in ordered])
    columns = np.fromiter((j for row in ordered for j in row), dtype=np.int64, count=row_ids.size)
    conflicts = csr_array((np.ones(row_ids.size), (row_ids, columns)), shape=(len(ordered), len(who)))
    return _staged(np.array(prefs, dtype=np.int64), np.array(starts, dtype=np.int64), conflicts)


def staged_check(instance: Instance) -> Objective:
    """The solver's own candidates and rows, solved in three stages instead of one.

    The start sum is in minutes from `FIRST_MONDAY`.
    """
    people = sorted(instance.invitees, key=lambda inv: inv.invitee_id)
    duration_us = instance.duration // timedelta(microseconds=1)
    cands = scheduling._left_shift_reduction(
        scheduling._candidates(instance.owner_windows, people, duration_us)
    )
    rows = scheduling._conflict_rows(cands.invitee, cands.cell, cands.cells_per_meeting)
    first_cell = (FIRST_MONDAY - scheduling._EPOCH) // GRID
    starts = (cands.cell - first_cell) * (GRID // MINUTE)
    return _staged(cands.pref, starts, rows)


def _our_objective(result: ScheduleResult) -> Objective:
    count, pref, _ = result.objective()
    return count, pref, sum((m.start - FIRST_MONDAY) // MINUTE for m in result.meetings)


# --------------------------------------------------------------------------- the table


HEADER = f"{'instance':<36} {'solver':<18} {'sched':>5} {'pref':>5} {'time s':>7} {'optimal':>7}  notes"


def _row(name: str, solver: str, count: int, pref: int, seconds: float, optimal: str, notes: str) -> str:
    return f"{name:<36} {solver:<18} {count:>5} {pref:>5} {seconds:>7.3f} {optimal:>7}  {notes}"


def _report(instance: Instance, *, check: bool, thorough: bool, check_valid: bool) -> list[str]:
    began = time.perf_counter()
    result = schedule(
        owner_windows=instance.owner_windows, invitees=instance.invitees, duration=instance.duration
    )
    elapsed = time.perf_counter() - began
    ours = _our_objective(result)
    people = sorted(instance.invitees, key=lambda inv: inv.invitee_id)
    every = scheduling._candidates(
        instance.owner_windows, people, instance.duration // timedelta(microseconds=1)
    )
    kept = scheduling._left_shift_reduction(every).cell.size
    notes = (
        f"{len(instance.owner_windows)} owner windows, {every.cell.size} candidates ({kept} after reduction)"
    )
    if check_valid:
        problems = validate(result, instance.owner_windows, instance.invitees, instance.duration)
        notes += "; valid" if not problems else f"; INVALID: {problems[:2]}"
    lines = [_row(instance.name, "ours (HiGHS)", ours[0], ours[1], elapsed, str(result.optimal), notes)]

    began = time.perf_counter()
    booked = greedy_original(owner_windows=instance.owner_windows, invitees=instance.invitees)
    elapsed = time.perf_counter() - began
    distinct = len({m.invitee_id for m in booked})
    wrong = sum(1 for m in booked if m.end - m.start != instance.duration)
    ordered = sorted(booked, key=lambda m: m.start)
    overlaps = sum(1 for a, b in zip(ordered, ordered[1:], strict=False) if b.start < a.end)
    pref = sum(m.owner_preference + m.invitee_preference for m in booked)
    notes = (
        f"{len(booked)} booked: {len(booked) - distinct} repeats, {wrong} wrong length, {overlaps} overlaps"
    )
    lines.append(_row("", "original greedy", distinct, pref, elapsed, "-", notes))

    if check and (instance.check != "thorough" or thorough):
        label = "independent check" if instance.check == "independent" else "staged check"
        began = time.perf_counter()
        optimum = independent_check(instance) if instance.check == "independent" else staged_check(instance)
        elapsed = time.perf_counter() - began
        verdict = "same optimum" if optimum == ours else f"MISMATCH: ours {ours}"
        notes = f"{verdict} (count, pref, start sum {optimum[2]} min)"
        lines.append(_row("", label, optimum[0], optimum[1], elapsed, "True", notes))
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m calendars.bench", description="Benchmark the scheduler.")
    parser.add_argument("--quick", action="store_true", help="only the small instances")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--no-check", action="store_true", help="skip the optimality checks")
    parser.add_argument("--thorough", action="store_true", help="also check the large fully booked case")
    parser.add_argument("--no-validate", action="store_true", help="skip validate() on our results")
    parser.add_argument(
        "--api",
        action="store_true",
        help="also time POST .../schedule/ end to end on the large instances (needs Django; "
        "a throwaway test database; see calendars/bench_api.py)",
    )
    parser.add_argument("--api-only", action="store_true", help="only the end-to-end API timing")
    parser.add_argument("--repeats", type=int, default=3, help="runs per API timing (default 3)")
    args = parser.parse_args(argv)

    print(
        f"seed {args.seed}; wall-clock seconds; sched = distinct invitees; pref = sum of owner + invitee pref"
    )
    print(HEADER)
    for instance in [] if args.api_only else instances(args.seed, args.quick):
        lines = _report(
            instance, check=not args.no_check, thorough=args.thorough, check_valid=not args.no_validate
        )
        for line in lines:
            print(line, flush=True)
    if args.api or args.api_only:
        from calendars.bench_api import api_rows  # imports Django only when asked

        for line in api_rows(instances(args.seed, quick=False), repeats=args.repeats, row=_row):
            print(line, flush=True)


if __name__ == "__main__":
    main()
