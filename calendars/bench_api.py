"""End-to-end timing of `POST /calendars/{calendar_id}/schedule/`: `python -m calendars.bench --api`.

For each large instance of `calendars.bench` (300 invitees / 4 weeks with 30- and 45-minute
meetings, 1,000 invitees / 26 weeks), this stores the instance as users, invitations and
availabilities in a throwaway database (Django's test database for the configured one: a
temporary SQLite file when that is SQLite, `test_<name>` on PostgreSQL), then compares

- the pure solve: `scheduling.schedule()` on the inputs `services.schedule_inputs()` loads;
- the request: `POST` through Django's test client with a real JWT `Bearer` token, so it
  includes authentication, the calendar lookup and permission checks, the row lock, loading
  the availabilities, the solve, replacing the meetings, and rendering the JSON answer.

Each is run `repeats` times (the POST replaces the previous schedule each time) and the best
and the median are printed, with the target of issue 7: request <= 2 x solve + 1 s.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

API_INSTANCES = ("300 inv / 4 wk, D=30", "300 inv / 4 wk, D=45", "1000 inv / 26 wk, D=30")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneonone.settings")
    import django

    django.setup()


def _timed(action: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - began)
    return seconds, result


def _store(instance: Any) -> tuple[Any, Any]:
    """The instance as rows: an owner, one user + invitation per invitee, their windows."""
    from django.contrib.auth import get_user_model

    from calendars.models import Availability, Calendar, Invitee

    user_model = get_user_model()
    owner = user_model.objects.create(username=f"bench-owner-{time.monotonic_ns()}")
    windows = [w for w in instance.owner_windows] + [w for i in instance.invitees for w in i.windows]
    first = min(w.start for w in windows).date()
    last = max(w.end - timedelta(microseconds=1) for w in windows).date()
    calendar = Calendar.objects.create(
        owner=owner,
        name=instance.name,
        start_date=first,
        end_date=last,
        meeting_duration=instance.duration // timedelta(minutes=1),
    )
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-{calendar.pk}-{inv.invitee_id}") for inv in instance.invitees]
    )
    by_id = {inv.invitee_id: user for inv, user in zip(instance.invitees, users, strict=True)}
    Invitee.objects.bulk_create(
        [Invitee(calendar=calendar, invitee=user, deadline=calendar.window_end) for user in users]
    )
    rows = [
        Availability(
            calendar=calendar, user=owner, start_period=w.start, end_period=w.end, preference=w.preference
        )
        for w in instance.owner_windows
    ] + [
        Availability(
            calendar=calendar,
            user=by_id[inv.invitee_id],
            start_period=w.start,
            end_period=w.end,
            preference=w.preference,
        )
        for inv in instance.invitees
        for w in inv.windows
    ]
    Availability.objects.bulk_create(rows, batch_size=500)
    return owner, calendar


def _measure(instance: Any, repeats: int) -> dict[str, Any]:
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    from calendars import scheduling, services

    owner, calendar = _store(instance)
    inputs = services.schedule_inputs(calendar=calendar)
    solve_seconds, result = _timed(
        lambda: scheduling.schedule(
            owner_windows=inputs.owner_windows, invitees=inputs.invitees, duration=inputs.duration
        ),
        repeats,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(owner).access_token}")
    post_seconds, response = _timed(lambda: client.post(f"/calendars/{calendar.pk}/schedule/"), repeats)
    if response.status_code != 200:
        raise RuntimeError(f"POST answered {response.status_code}: {response.content[:300]!r}")
    body = response.json()
    answered = [(m["meeter"], m["start_period"]) for m in body["meets"]]
    solved = [(m.invitee_id, m.start.strftime("%Y-%m-%dT%H:%M:%SZ")) for m in result.meetings]
    return {
        "solve": solve_seconds,
        "post": post_seconds,
        "count": len(body["meets"]),
        "pref": result.preference_total,
        "same": answered == solved,
        "optimal": body["optimal"],
        "bytes": len(response.content),
        "windows": len(inputs.owner_windows) + sum(len(i.windows) for i in inputs.invitees),
    }


def api_rows(
    instances: Sequence[Any], *, repeats: int, row: Callable[[str, str, int, int, float, str, str], str]
) -> Iterator[str]:
    """Table rows (formatted by `row`, the bench's) for the instances named in `API_INSTANCES`."""
    _setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    chosen = [i for i in instances if i.name in API_INSTANCES]
    with tempfile.TemporaryDirectory() as folder:
        if connection.vendor == "sqlite":  # a file, as in production, not an in-memory database
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(folder) / "bench.sqlite3")
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        database = f"{connection.vendor}, time limit {settings.SCHEDULER_TIME_LIMIT_SECONDS:g} s"
        try:
            for instance in chosen:
                m = _measure(instance, repeats)
                solve, post = min(m["solve"]), min(m["post"])
                target = 2 * solve + 1
                verdict = "meets target" if post <= target else "MISSES target"
                notes = (
                    f"{database}; best of {repeats} (median {statistics.median(m['post']):.3f} s); "
                    f"pure solve {solve:.3f} s; target 2x+1 = {target:.3f} s: {verdict}; "
                    f"{m['windows']} windows, {m['bytes'] // 1024} KiB answer"
                )
                if not m["same"]:
                    notes += "; MISMATCH: the stored schedule differs from the pure solve's"
                yield row(instance.name, "API POST", m["count"], m["pref"], post, str(m["optimal"]), notes)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
