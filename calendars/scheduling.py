"""The one-on-one scheduler: an exact solver for CONTRACT.md section 7.

A pure module: frozen dataclasses in and out, no Django, no ORM. `calendars/services.py`
loads availabilities, calls `schedule()` and stores the result.

The problem
-----------
One owner meets each invitee at most once, for `duration`, in meetings that never overlap.
A meeting is `[t, t + duration)` where `t` is a multiple of 5 minutes since the Unix epoch
(UTC), and it lies inside one *stretch* of the owner and one stretch of that invitee.

A person's windows that touch, overlap or are at most one minute apart form one stretch
(clients write hour blocks as 14:00-14:59, 15:00-15:59). Inside a stretch every instant has a
preference: the highest preference of the windows covering it, and for a bridged gap (at most
one minute, covered by no window) the preference of the window that ends where the gap starts
(the highest, if several end there). A meeting's preference for a person is the lowest
preference among the instants it covers. Windows are half-open: a window that starts where a
meeting ends does not count.

Objective, lexicographic:

1. the most invitees scheduled;
2. the highest total of owner preference + invitee preference over the meetings;
3. the smallest sum of meeting start times;
4. a fixed order by invitee id: among schedules that tie on 1-3 and use the same meeting
   times, rank invitees 1..n by ascending id and weight the meetings m..1 from the earliest
   to the latest; the schedule with the smallest sum of rank x weight wins. Swapping two
   invitees so that the lower id meets earlier, or replacing an invitee by one with a lower
   id at the same time, always lowers that sum.

Tiers 1-3 are solved exactly by an integer program (`scipy.optimize.milp`, HiGHS); tier 4 is
applied exactly afterwards by an assignment over the chosen meeting times (it never changes
tiers 1-3). Different sets of meeting times that tie on 1-3 exactly are left to the solver,
which gets a model built in a canonical order (invitee id, then time), so the same input,
in whatever order, always gives the same schedule.

The integer program
-------------------
A binary variable per candidate (invitee, start). Time is cut into 5-minute cells; a
meeting starting in cell c covers cells c .. c + ceil(duration / 5 min) - 1, and two meetings
overlap exactly when they share a cell. Rows: one per invitee (at most one meeting) and one
per maximal set of candidates sharing a cell (at most one of them).

Two exact reductions come first. Candidates that no optimal schedule can use are dropped
(`_left_shift_reduction`: in an optimal schedule every meeting starts where its invitee's
common time begins or its preference rises, or right after the previous meeting). The rest
is split into independent components (linked by a shared invitee or a shared cell), and
each component is solved on its own.

The tiers are folded into one integer objective (see `_weights`), maximise

    W * sum((K + p) x) - sum(s x)

with p the meeting's owner + invitee preference, s its start cell counted from the
component's first cell, K = m (p_max - p_min) + 1 and W = m (H - 1) + 1, where m bounds the
number of meetings and H the number of cells the component spans. K makes one more meeting
worth more than any preference gain, and W makes one point of preference worth more than
any change of the start sum, so the weighted optimum is the lexicographic optimum. The
weights are integers and every objective value must stay below `EXACT_OBJECTIVE_LIMIT`
(2^50; 1,000 invitees over 26 weeks needs about 2^47), so every value is an exact double,
and a point of preference (W, about 5e7 there) is far above HiGHS's tolerances; the start
sum, one unit at a time, is confirmed against a staged solve by `calendars.bench`. A component
that would exceed the limit is solved in two stages instead, with small coefficients only:
first tiers 1-2 (weights K + p), then the start sum with the count and the preference total
held at their optimum by two extra rows. `mip_rel_gap` is 0 either way.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array
from scipy.sparse.csgraph import connected_components, min_weight_full_bipartite_matching

__all__ = [
    "BRIDGE",
    "EXACT_OBJECTIVE_LIMIT",
    "GRID",
    "InviteeAvailability",
    "Meeting",
    "Reason",
    "ScheduleResult",
    "Unscheduled",
    "Window",
    "greedy_original",
    "schedule",
    "validate",
]

GRID = timedelta(minutes=5)
"""Meetings start on multiples of this since the Unix epoch (UTC)."""
BRIDGE = timedelta(minutes=1)
"""Windows of one person at most this far apart belong to one stretch."""
EXACT_OBJECTIVE_LIMIT = 2**50
"""Largest objective magnitude solved in one weighted stage; larger ones are staged."""

Reason: TypeAlias = Literal["no_availability", "no_common_time", "taken"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_GRID_US = GRID // _US
_BRIDGE_US = BRIDGE // _US
_PREFERENCES = (1, 2, 3)

IntArray: TypeAlias = NDArray[np.int64]
FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]


# --------------------------------------------------------------------------- data types


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware: {value!r}")


@dataclass(frozen=True)
class Window:
    """A span of availability `[start, end)` with a preference 1 (low) .. 3 (high).

    `start` and `end` are aware datetimes in any zone; they are compared as exact instants.
    Raises `ValueError` if either is naive, if `start >= end`, or if `preference` is not
    1, 2 or 3 (`TypeError` if the types are wrong).
    """

    start: datetime
    end: datetime
    preference: int

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")
        if not self.start < self.end:
            raise ValueError(f"window must end after it starts: {self.start} .. {self.end}")
        if isinstance(self.preference, bool) or not isinstance(self.preference, int):
            raise TypeError(f"preference must be an int, not {type(self.preference).__name__}")
        if self.preference not in _PREFERENCES:
            raise ValueError(f"preference must be 1, 2 or 3, not {self.preference}")


@dataclass(frozen=True)
class InviteeAvailability:
    """One invitee (`invitee_id`, e.g. the user id) and their windows, in any order.

    An empty `windows` means the invitee submitted no availability.
    """

    invitee_id: int
    windows: Sequence[Window]

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))


@dataclass(frozen=True)
class Meeting:
    """A meeting `[start, end)` in aware UTC, with the preference it has for each side."""

    invitee_id: int
    start: datetime
    end: datetime
    owner_preference: int
    invitee_preference: int


@dataclass(frozen=True)
class Unscheduled:
    """An invitee without a meeting, and why.

    `no_availability`: they submitted no windows. `no_common_time`: no meeting of the
    requested length fits inside both their and the owner's stretches. `taken`: such
    meetings exist, but every one of them is needed by others in the chosen schedule.
    """

    invitee_id: int
    reason: Reason


@dataclass(frozen=True)
class ScheduleResult:
    """The schedule: meetings sorted by start, unscheduled invitees sorted by id.

    `optimal` is True when the schedule is proven optimal for tiers 1-3 of the objective,
    False when a time limit cut the search short (the schedule is then the best one found).
    """

    meetings: tuple[Meeting, ...]
    unscheduled: tuple[Unscheduled, ...]
    optimal: bool

    @property
    def preference_total(self) -> int:
        """Sum of owner + invitee preference over the meetings (objective tier 2)."""
        return sum(m.owner_preference + m.invitee_preference for m in self.meetings)

    def objective(self) -> tuple[int, int, int]:
        """`(meetings, preference total, -sum of start times in seconds)`; larger is better."""
        start_sum = sum((m.start - _EPOCH) // timedelta(seconds=1) for m in self.meetings)
        return (len(self.meetings), self.preference_total, -start_sum)


# --------------------------------------------------------------------------- stretches


def _micros(value: datetime) -> int:
    """Exact microseconds since the Unix epoch of an aware datetime."""
    return (value - _EPOCH) // _US


def _from_micros(value: int) -> datetime:
    return _EPOCH + value * _US


@dataclass(frozen=True)
class _Profile:
    """A person's availability in microseconds since the epoch.

    `stretch_start/stretch_end`: disjoint stretches in time order. The segments tile the
    stretches (in time order) with a constant preference each.
    """

    stretch_start: IntArray
    stretch_end: IntArray
    seg_start: IntArray
    seg_end: IntArray
    seg_pref: IntArray


def _profile(windows: Sequence[Window]) -> _Profile:
    """Merge windows into stretches and the preference of every instant (a sweep line).

    At each boundary the windows starting and ending there are applied; between boundaries
    the preference is the highest one still open. An uncovered gap of at most `BRIDGE` keeps
    the stretch going with the preference of the windows that ended at its start.
    """
    # time -> [starts of pref 1, 2, 3, ends of pref 1, 2, 3]
    events: dict[int, list[int]] = {}
    for window in windows:
        p = window.preference
        events.setdefault(_micros(window.start), [0] * 6)[p - 1] += 1
        events.setdefault(_micros(window.end), [0] * 6)[p + 2] += 1

    open_count = [0, 0, 0]
    segments: list[tuple[int, int, int]] = []
    stretches: list[tuple[int, int]] = []
    stretch_start = previous = 0
    gap_pref = 0
    for index, moment in enumerate(sorted(events)):
        if index == 0:
            stretch_start = moment
        else:
            current = _top(open_count)
            if current:
                _append_segment(segments, previous, moment, current)
            elif moment - previous <= _BRIDGE_US:
                _append_segment(segments, previous, moment, gap_pref)
            else:
                stretches.append((stretch_start, previous))
                stretch_start = moment
        counts = events[moment]
        for p in _PREFERENCES:
            open_count[p - 1] += counts[p - 1] - counts[p + 2]
        if not _top(open_count):
            gap_pref = max((p for p in _PREFERENCES if counts[p + 2]), default=0)
        previous = moment
    if events:
        stretches.append((stretch_start, previous))

    def column(rows: Sequence[tuple[int, ...]], i: int) -> IntArray:
        return np.fromiter((row[i] for row in rows), dtype=np.int64, count=len(rows))

    return _Profile(
        stretch_start=column(stretches, 0),
        stretch_end=column(stretches, 1),
        seg_start=column(segments, 0),
        seg_end=column(segments, 1),
        seg_pref=column(segments, 2),
    )


def _top(open_count: list[int]) -> int:
    """The highest preference with an open window, 0 if none."""
    for p in (3, 2, 1):
        if open_count[p - 1]:
            return p
    return 0


def _append_segment(segments: list[tuple[int, int, int]], start: int, end: int, pref: int) -> None:
    if segments and segments[-1][1] == start and segments[-1][2] == pref:
        segments[-1] = (segments[-1][0], end, pref)
    else:
        segments.append((start, end, pref))


def _feasible_starts(profile: _Profile, duration_us: int) -> tuple[IntArray, IntArray]:
    """Every grid cell where a meeting fits inside one stretch, with its preference.

    Returns `(cells, prefs)`: cell = start // GRID (ascending, unique), pref = the lowest
    preference over `[start, start + duration)`.
    """
    first = -(-profile.stretch_start // _GRID_US)
    last = (profile.stretch_end - duration_us) // _GRID_US
    counts = np.maximum(last - first + 1, 0)
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    offsets = np.cumsum(counts) - counts
    cells = np.arange(total, dtype=np.int64) + np.repeat(first - offsets, counts)
    starts = cells * _GRID_US
    lo = np.searchsorted(profile.seg_end, starts, side="right")
    hi = np.searchsorted(profile.seg_start, starts + duration_us, side="left")
    prefs = np.full(total, 3, dtype=np.int64)
    for p in (2, 1):  # a lower preference anywhere in the range wins
        seen = np.concatenate(([0], np.cumsum(profile.seg_pref == p)))
        prefs[seen[hi] - seen[lo] > 0] = p
    return cells, prefs


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class _Candidates:
    """All feasible (invitee, start) pairs, sorted by (invitee, cell).

    `invitee` indexes the invitees sorted by id; `cell` = start // GRID; `cells_per_meeting`
    = how many cells a meeting covers.
    """

    invitee: IntArray
    cell: IntArray
    owner_pref: IntArray
    invitee_pref: IntArray
    cells_per_meeting: int

    @property
    def pref(self) -> IntArray:
        return self.owner_pref + self.invitee_pref


def _candidates(
    owner_windows: Sequence[Window], invitees: Sequence[InviteeAvailability], duration_us: int
) -> _Candidates:
    owner_cells, owner_prefs = _feasible_starts(_profile(owner_windows), duration_us)
    parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
    if owner_cells.size:
        for index, invitee in enumerate(invitees):
            if not invitee.windows:
                continue
            cells, prefs = _feasible_starts(_profile(invitee.windows), duration_us)
            at = np.minimum(np.searchsorted(owner_cells, cells), owner_cells.size - 1)
            shared = owner_cells[at] == cells
            if shared.any():
                parts.append(
                    (
                        np.full(int(shared.sum()), index, dtype=np.int64),
                        cells[shared],
                        owner_prefs[at[shared]],
                        prefs[shared],
                    )
                )
    columns = [
        np.concatenate([part[i] for part in parts]) if parts else np.zeros(0, np.int64) for i in range(4)
    ]
    return _Candidates(
        invitee=columns[0],
        cell=columns[1],
        owner_pref=columns[2],
        invitee_pref=columns[3],
        cells_per_meeting=-(-duration_us // _GRID_US),
    )


def _left_shift_reduction(cands: _Candidates) -> _Candidates:
    """Drop candidates that no schedule optimal for tiers 1-3 can use.

    Take an optimal schedule and a meeting of invitee i at cell t. If (i, t - 1) were a
    candidate with at least the same preference and the previous meeting ended by then,
    moving the meeting 5 minutes earlier would keep tiers 1-2 and lower the start sum, so
    the schedule was not optimal. Hence every meeting starts at an *anchor* (a cell where
    its invitee's run of candidates begins or where that run's preference rises) or exactly
    one meeting length (`cells_per_meeting`) after the previous meeting's start; by
    induction, every start is an anchor plus a chain of back-to-back meetings. Candidates at
    other cells are removed; all optimal schedules survive.
    """
    inv, cell, pref = cands.invitee, cands.cell, cands.pref
    if cell.size == 0:
        return cands
    follows = np.concatenate(([False], (inv[1:] == inv[:-1]) & (cell[1:] == cell[:-1] + 1)))
    rises = np.concatenate(([False], pref[1:] > pref[:-1]))
    anchors = set(cell[~follows | rises].tolist())
    length = cands.cells_per_meeting
    reachable: set[int] = set()
    for t in np.unique(cell).tolist():
        if t in anchors or t - length in reachable:
            reachable.add(t)
    keep = np.isin(cell, np.fromiter(reachable, dtype=np.int64, count=len(reachable)))
    return _Candidates(
        invitee=inv[keep],
        cell=cell[keep],
        owner_pref=cands.owner_pref[keep],
        invitee_pref=cands.invitee_pref[keep],
        cells_per_meeting=length,
    )


def _components(cands: _Candidates, n_invitees: int) -> list[IntArray]:
    """Candidate indices of each independent component, in order of their first cell.

    Candidates are linked when they share an invitee or a cell; components never interact,
    so each can be optimised alone.
    """
    if cands.cell.size == 0:
        return []
    order = np.argsort(cands.cell, kind="stable")
    sorted_cells = cands.cell[order]
    block = np.empty_like(order)
    block[order] = np.concatenate(([0], np.cumsum(np.diff(sorted_cells) >= cands.cells_per_meeting)))
    n_blocks = int(block.max()) + 1
    size = n_invitees + n_blocks
    graph = coo_array(
        (np.ones(cands.cell.size, dtype=np.int8), (cands.invitee, n_invitees + block)), shape=(size, size)
    )
    _, labels = connected_components(graph, directed=False)
    label = labels[cands.invitee]
    first_cell: dict[int, int] = {}
    for lab, cell in zip(label[order].tolist(), sorted_cells.tolist(), strict=True):
        first_cell.setdefault(lab, cell)
    by_label = np.argsort(label, kind="stable")  # keeps (invitee, cell) order inside
    bounds = np.flatnonzero(np.diff(label[by_label])) + 1
    groups = np.split(by_label, bounds)
    return sorted(groups, key=lambda g: first_cell[int(label[g[0]])])


# --------------------------------------------------------------------------- the MILP


def _max_disjoint(cells: IntArray, length: int) -> int:
    """Most pairwise non-overlapping meetings among these starts (earliest end first)."""
    count, free_from = 0, None
    for cell in np.unique(cells).tolist():
        if free_from is None or cell >= free_from:
            count, free_from = count + 1, cell + length
    return count


def _conflict_rows(invitee: IntArray, cell: IntArray, length: int) -> csr_array:
    """Rows of the MILP: one per invitee with several candidates, one per maximal clique.

    Candidates starting in cells [d, d + length) all share cell d + length - 1; taking d
    over the distinct starts and dropping rows contained in the previous one leaves exactly
    the maximal cliques of the overlap graph. Rows with a single variable are dropped.
    """
    n = cell.size
    row_ranges: list[tuple[IntArray, IntArray]] = []
    # invitee rows: candidates arrive sorted by (invitee, cell), so each invitee is a run
    run_start = np.flatnonzero(np.concatenate(([True], np.diff(invitee) != 0)))
    run_end = np.append(run_start[1:], n)
    keep = run_end - run_start >= 2
    order_inv = np.arange(n, dtype=np.int64)
    row_ranges.append((run_start[keep], run_end[keep]))
    # clique rows over the candidates sorted by cell
    order_cell = np.argsort(cell, kind="stable")
    sorted_cells = cell[order_cell]
    distinct = np.unique(sorted_cells)
    lo = np.searchsorted(sorted_cells, distinct, side="left")
    hi = np.searchsorted(sorted_cells, distinct + length, side="left")
    maximal = np.concatenate(([True], hi[1:] > hi[:-1])) & (hi - lo >= 2)
    row_ranges.append((lo[maximal], hi[maximal]))

    indices: list[IntArray] = []
    row_ids: list[IntArray] = []
    row_offset = 0
    for (starts, ends), order in zip(row_ranges, (order_inv, order_cell), strict=True):
        lengths = ends - starts
        total = int(lengths.sum())
        if total:
            base = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            indices.append(order[np.arange(total, dtype=np.int64) + base])
            row_ids.append(np.repeat(np.arange(row_offset, row_offset + starts.size), lengths))
        row_offset += starts.size
    if not indices:
        return csr_array((0, n), dtype=np.float64)
    rows = np.concatenate(row_ids)
    cols = np.concatenate(indices)
    return csr_array((np.ones(rows.size), (rows, cols)), shape=(row_offset, n))


@dataclass(frozen=True)
class _Weights:
    """Integer objective weights of one component (see the module docstring)."""

    per_meeting: int  # K
    per_pref_point: int  # W
    max_objective: int  # bound on |W * sum((K + p) x) - sum(s x)|


def _weights(pref: IntArray, start_offset: IntArray, max_meetings: int) -> _Weights:
    """Exact tier weights.

    Tier 1 over 2: with K = m (p_max - p_min) + 1, a schedule with c + 1 meetings scores at
    least (c + 1)(K + p_min) > c (K + p_max), so one more meeting beats any preference gain.
    Tier 2 over 3: the start sum of any schedule lies in [0, m (H - 1)], so W = m (H - 1) + 1
    makes one point of K + p worth more than any change of the start sum.
    """
    p_min, p_max = int(pref.min()), int(pref.max())
    k = max_meetings * (p_max - p_min) + 1
    w = max_meetings * int(start_offset.max()) + 1
    return _Weights(per_meeting=k, per_pref_point=w, max_objective=w * max_meetings * (k + p_max))


class _Clock:
    """What is left of the caller's time limit (None: no limit)."""

    def __init__(self, limit: float | None) -> None:
        self._deadline = None if limit is None else time.monotonic() + limit

    def left(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.monotonic()


def _run_milp(
    cost: FloatArray, rows: csr_array, clock: _Clock, extra: LinearConstraint | None = None
) -> tuple[BoolArray | None, bool]:
    """Minimise `cost @ x` over binary x with `rows @ x <= 1`.

    Returns `(x, proven_optimal)`; x is None when no feasible point was found in time.
    """
    left = clock.left()
    if left is not None and left <= 0:
        return None, False
    constraints = [LinearConstraint(rows, -np.inf, 1.0)] if rows.shape[0] else []
    if extra is not None:
        constraints.append(extra)
    n = cost.size
    result = milp(
        cost,
        integrality=np.ones(n, dtype=np.int8),
        bounds=Bounds(np.zeros(n), np.ones(n)),
        constraints=constraints,
        options={
            "disp": False,
            "presolve": True,
            "mip_rel_gap": 0.0,
            "time_limit": np.inf if left is None else left,
        },
    )
    if result.x is None:
        return None, False
    return np.asarray(result.x) > 0.5, bool(result.status == 0)


def _solve_component(
    invitee: IntArray, cell: IntArray, pref: IntArray, length: int, clock: _Clock
) -> tuple[BoolArray, bool]:
    """Choose candidates of one component: `(chosen mask, proven optimal)`.

    Tiers 1-3 exactly, in one weighted stage if the objective stays below
    `EXACT_OBJECTIVE_LIMIT`, otherwise in two stages. If the time limit stops the solver,
    the better of its best schedule and the greedy one is returned (not optimal).
    """
    if cell.size == 1:
        return np.ones(1, dtype=np.bool_), True
    rows = _conflict_rows(invitee, cell, length)
    if rows.shape[0] == 0:  # nothing conflicts: take everything
        return np.ones(cell.size, dtype=np.bool_), True
    offset = cell - cell.min()
    max_meetings = min(np.unique(invitee).size, _max_disjoint(cell, length))
    weights = _weights(pref, offset, max_meetings)
    tier12 = (weights.per_meeting + pref).astype(np.float64)
    if weights.max_objective <= EXACT_OBJECTIVE_LIMIT:
        cost = offset.astype(np.float64) - weights.per_pref_point * tier12
        chosen, optimal = _run_milp(cost, rows, clock)
    else:  # tiers 1-2, then the start sum with the count and preference total held
        chosen, optimal = _run_milp(-tier12, rows, clock)
        if chosen is not None and optimal:
            held = np.vstack((np.ones(cell.size), pref.astype(np.float64)))
            floor = held[:, chosen].sum(axis=1) - 0.5
            hold = LinearConstraint(csr_array(held), floor, np.inf)
            staged, optimal = _run_milp(offset.astype(np.float64), rows, clock, hold)
            if staged is not None:
                chosen = staged
    if chosen is not None and not _is_feasible(invitee[chosen], cell[chosen], length):
        chosen, optimal = None, False
    if chosen is not None and optimal:
        return chosen, True
    # Stopped early: the solver's incumbent may be poor (even empty), so keep the better of
    # it and the greedy schedule.
    greedy = _greedy(invitee, cell, pref, length)
    if chosen is None or _score(greedy, pref, cell) > _score(chosen, pref, cell):
        chosen = greedy
    return chosen, False


def _score(chosen: BoolArray, pref: IntArray, cell: IntArray) -> tuple[int, int, int]:
    """Tiers 1-3 of a selection as a tuple to maximise."""
    return int(chosen.sum()), int(pref[chosen].sum()), -int(cell[chosen].sum())


def _is_feasible(invitee: IntArray, cell: IntArray, length: int) -> bool:
    """At most one meeting per invitee and no two meetings overlapping."""
    ordered = np.sort(cell)
    return bool(np.unique(invitee).size == invitee.size and np.all(np.diff(ordered) >= length))


def _greedy(invitee: IntArray, cell: IntArray, pref: IntArray, length: int) -> BoolArray:
    """A feasible schedule fast: earliest end first, then best preference, then invitee.

    The fallback when the time limit stops the solver.
    """
    chosen = np.zeros(cell.size, dtype=np.bool_)
    taken: set[int] = set()
    free_from: int | None = None
    for index in np.lexsort((invitee, -pref, cell)).tolist():
        who, start = int(invitee[index]), int(cell[index])
        if who in taken or (free_from is not None and start < free_from):
            continue
        chosen[index] = True
        taken.add(who)
        free_from = start + length
    return chosen


def _order_by_id(cands: _Candidates, chosen: BoolArray, n_invitees: int) -> BoolArray:
    """Tier 4: re-seat invitees on the chosen meeting times (exact assignment).

    Every chosen time stays filled (tier 1 and the start sum of tier 3 are unchanged) and
    the preference total is maximised first (so it is never lower than before); then
    sum(rank x weight) is minimised, rank = 1..n by ascending invitee id, weight = m..1 from
    the earliest to the latest meeting.
    """
    slots = np.sort(cands.cell[chosen])
    m = slots.size
    if m == 0:
        return chosen
    spread = n_invitees * m * (m + 1) // 2 + 1  # exceeds any change of sum(rank x weight)
    if m * (6 * spread + n_invitees * m + 1) > EXACT_OBJECTIVE_LIMIT:
        return chosen  # too large to weigh exactly; keep the solver's seating
    at = np.minimum(np.searchsorted(slots, cands.cell), m - 1)
    edge = np.flatnonzero(slots[at] == cands.cell)
    slot = at[edge]
    rank = cands.invitee[edge] + 1
    weight = m - slot
    value = spread * cands.pref[edge] - rank * weight + (n_invitees * m + 1)  # always > 0
    graph = csr_array((value.astype(np.float64), (slot, cands.invitee[edge])), shape=(m, n_invitees))
    slot_of, seated = min_weight_full_bipartite_matching(graph, maximize=True)
    result = np.zeros_like(chosen)
    key = {
        (int(s), int(i)): int(e)
        for s, i, e in zip(slot.tolist(), cands.invitee[edge].tolist(), edge.tolist(), strict=True)
    }
    for s, i in zip(slot_of.tolist(), seated.tolist(), strict=True):
        result[key[(int(s), int(i))]] = True
    return result


# --------------------------------------------------------------------------- public API


def schedule(
    *,
    owner_windows: Sequence[Window],
    invitees: Sequence[InviteeAvailability],
    duration: timedelta,
    time_limit: float | None = None,
) -> ScheduleResult:
    """The optimal schedule of one-on-one meetings (CONTRACT.md section 7).

    `owner_windows` and each invitee's windows may come in any order and may overlap.
    `duration` is the meeting length (positive). `time_limit` is a budget in seconds for
    the whole solve (None: no limit; 0: no solver, a fast greedy schedule).

    Returns meetings sorted by start (aware UTC datetimes, starts on 5-minute boundaries)
    and every other invitee as `Unscheduled`, sorted by id. `optimal` is False if the time
    limit stopped the search; the schedule is then the best one found (always feasible).

    Raises `ValueError` for a non-positive duration, a negative time limit or a repeated
    invitee id.
    """
    if duration <= timedelta(0):
        raise ValueError(f"duration must be positive, not {duration}")
    if time_limit is not None and time_limit < 0:
        raise ValueError(f"time_limit must be >= 0, not {time_limit}")
    people = sorted(invitees, key=lambda inv: inv.invitee_id)
    ids = [inv.invitee_id for inv in people]
    if len(set(ids)) != len(ids):
        raise ValueError("each invitee may appear only once")

    duration_us = duration // _US
    all_cands = _candidates(owner_windows, people, duration_us)
    cands = _left_shift_reduction(all_cands)
    length = cands.cells_per_meeting
    pref = cands.pref
    clock = _Clock(time_limit)
    chosen = np.zeros(cands.cell.size, dtype=np.bool_)
    optimal = True
    for members in _components(cands, len(people)):
        picked, proven = _solve_component(
            cands.invitee[members], cands.cell[members], pref[members], length, clock
        )
        chosen[members[picked]] = True
        optimal = optimal and proven
    chosen = _order_by_id(cands, chosen, len(people))

    meetings = sorted(
        (
            Meeting(
                invitee_id=ids[int(cands.invitee[i])],
                start=_from_micros(int(cands.cell[i]) * _GRID_US),
                end=_from_micros(int(cands.cell[i]) * _GRID_US + duration_us),
                owner_preference=int(cands.owner_pref[i]),
                invitee_preference=int(cands.invitee_pref[i]),
            )
            for i in np.flatnonzero(chosen).tolist()
        ),
        key=lambda meeting: meeting.start,
    )
    has_candidates = set(np.unique(all_cands.invitee).tolist())
    scheduled = {meeting.invitee_id for meeting in meetings}
    unscheduled = [
        Unscheduled(person.invitee_id, _reason(bool(person.windows), index in has_candidates))
        for index, person in enumerate(people)
        if person.invitee_id not in scheduled
    ]
    return ScheduleResult(meetings=tuple(meetings), unscheduled=tuple(unscheduled), optimal=optimal)


def _reason(has_windows: bool, has_candidates: bool) -> Reason:
    if not has_windows:
        return "no_availability"
    return "taken" if has_candidates else "no_common_time"


def greedy_original(
    *, owner_windows: Sequence[Window], invitees: Sequence[InviteeAvailability]
) -> tuple[Meeting, ...]:
    """The original system's scheduler, reimplemented from its description, for comparison.

    Faithful to its bugs (notes/scheduling.md section 1): for each owner window in start
    order it books one "meeting" with the first invitee (by id) having a window that
    overlaps it, spanning the whole overlap. It ignores the meeting length, books an invitee
    again for every owner window it matches first, and double-books when owner windows
    overlap. The result is usually invalid (see `validate`); it is only a baseline.
    """
    people = sorted(invitees, key=lambda inv: inv.invitee_id)
    booked: list[Meeting] = []
    for owner in sorted(owner_windows, key=lambda w: (w.start, w.end)):
        for person in people:
            match = next(
                (
                    w
                    for w in sorted(person.windows, key=lambda w: (w.start, w.end))
                    if max(w.start, owner.start) < min(w.end, owner.end)
                ),
                None,
            )
            if match is not None:
                booked.append(
                    Meeting(
                        invitee_id=person.invitee_id,
                        start=max(match.start, owner.start).astimezone(UTC),
                        end=min(match.end, owner.end).astimezone(UTC),
                        owner_preference=owner.preference,
                        invitee_preference=match.preference,
                    )
                )
                break
    return tuple(booked)


# --------------------------------------------------------------------------- validation


def _span_preference(windows: Sequence[Window], start: datetime, end: datetime) -> int | None:
    """The lowest preference over `[start, end)` if it lies in one stretch, else None.

    A direct, slow restatement of the stretch rules, independent of `_profile`.
    """
    cuts = sorted({start, end} | {t for w in windows for t in (w.start, w.end) if start < t < end})
    lowest = 3
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [w.preference for w in windows if w.start <= a and b <= w.end]
        if covering:
            lowest = min(lowest, max(covering))
            continue
        before = [w.end for w in windows if w.end <= a]
        after = [w.start for w in windows if w.start >= b]
        if not before or not after or min(after) - max(before) > BRIDGE:
            return None
        gap_start = max(before)
        lowest = min(lowest, max(w.preference for w in windows if w.end == gap_start))
    return lowest


def _has_common_time(owner_windows: Sequence[Window], windows: Sequence[Window], duration: timedelta) -> bool:
    """Whether some grid start fits both people (slow; for validation only)."""
    for w in windows:
        first = -(-_micros(w.start) // _GRID_US)
        last = (_micros(w.end) + _BRIDGE_US) // _GRID_US
        for cell in range(first, last + 1):
            t = _from_micros(cell * _GRID_US)
            if (
                _span_preference(windows, t, t + duration) is not None
                and _span_preference(owner_windows, t, t + duration) is not None
            ):
                return True
    return False


def validate(
    result: ScheduleResult,
    owner_windows: Sequence[Window],
    invitees: Sequence[InviteeAvailability],
    duration: timedelta,
) -> list[str]:
    """Every way `result` breaks the rules of CONTRACT.md section 7; empty if none.

    Checks each meeting (5-minute UTC start, length `duration`, inside a stretch of the owner
    and of its invitee, the preferences it reports), that nobody meets twice, that meetings
    do not overlap, the orderings, that every invitee appears exactly once, and the reasons
    given. It does not check optimality. Slow (quadratic); meant for tests and importers.
    """
    problems: list[str] = []
    windows_of = {inv.invitee_id: inv.windows for inv in invitees}
    seen: set[int] = set()
    for meeting in result.meetings:
        problems.extend(_meeting_problems(meeting, owner_windows, windows_of, duration))
        if meeting.invitee_id in seen:
            problems.append(f"invitee {meeting.invitee_id} meets more than once")
        seen.add(meeting.invitee_id)
    by_start = sorted(result.meetings, key=lambda m: m.start)
    if list(result.meetings) != by_start:
        problems.append("meetings are not sorted by start")
    for before, after in zip(by_start, by_start[1:], strict=False):
        if after.start < before.end:
            problems.append(f"meetings overlap: {before} and {after}")
    ids = [u.invitee_id for u in result.unscheduled]
    if ids != sorted(ids):
        problems.append("unscheduled invitees are not sorted by id")
    for entry in result.unscheduled:
        if entry.invitee_id in seen:
            problems.append(f"invitee {entry.invitee_id} is both scheduled and unscheduled")
        seen.add(entry.invitee_id)
        problems.extend(_reason_problems(entry, owner_windows, windows_of, duration))
    if len(result.meetings) + len(result.unscheduled) != len(seen) or seen != set(windows_of):
        problems.append(f"invitees do not each appear exactly once: {sorted(seen ^ set(windows_of))}")
    return problems


def _meeting_problems(
    meeting: Meeting,
    owner_windows: Sequence[Window],
    windows_of: dict[int, Sequence[Window]],
    duration: timedelta,
) -> list[str]:
    problems: list[str] = []
    if meeting.start.utcoffset() != timedelta(0) or meeting.end.utcoffset() != timedelta(0):
        problems.append(f"{meeting} is not in UTC")
    if (meeting.start - _EPOCH) % GRID:
        problems.append(f"{meeting} does not start on a 5-minute boundary")
    if meeting.end - meeting.start != duration:
        problems.append(f"{meeting} does not last {duration}")
    if meeting.invitee_id not in windows_of:
        return [*problems, f"{meeting} is with someone who is not an invitee"]
    for who, windows, claimed in (
        ("owner", owner_windows, meeting.owner_preference),
        ("invitee", windows_of[meeting.invitee_id], meeting.invitee_preference),
    ):
        actual = _span_preference(windows, meeting.start, meeting.end)
        if actual is None:
            problems.append(f"{meeting} is outside the {who}'s availability")
        elif actual != claimed:
            problems.append(f"{meeting} has {who} preference {actual}, not {claimed}")
    return problems


def _reason_problems(
    entry: Unscheduled,
    owner_windows: Sequence[Window],
    windows_of: dict[int, Sequence[Window]],
    duration: timedelta,
) -> list[str]:
    windows = windows_of.get(entry.invitee_id)
    if windows is None:
        return [f"unscheduled {entry.invitee_id} is not an invitee"]
    if not windows:
        expected: Reason = "no_availability"
    elif _has_common_time(owner_windows, windows, duration):
        expected = "taken"
    else:
        expected = "no_common_time"
    if entry.reason != expected:
        return [f"invitee {entry.invitee_id} is unscheduled as {entry.reason!r}, expected {expected!r}"]
    return []
