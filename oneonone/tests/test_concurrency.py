"""Concurrency on PostgreSQL: requests that race each other through the real views.

Each test starts real threads (one database connection each) held at a barrier and released at
once, for several rounds on fresh data. What must hold, whatever the interleaving: no
duplicate rows, no lost writes (every 2xx is stored, no refused request left anything), no
500, and every loser gets a clean 4xx with the documented body.

PostgreSQL only: SQLite serialises all writers, so these races cannot happen there. CI runs
them in its PostgreSQL pass (`.ci/run`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory
from contacts.models import Contact
from contacts.tests.factories import ContactFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent writers)"),
]

ROUNDS = 6
DAY = dt.datetime(2030, 4, 1, tzinfo=dt.UTC)
_names = itertools.count()


def fresh(prefix: str) -> Any:
    return UserFactory(username=f"{prefix}{next(_names)}")


class Answer:
    """A response as the threads saw it: status and JSON body (or the exception raised)."""

    def __init__(self, status: int, body: Any, started: float, finished: float) -> None:
        self.status, self.body, self.started, self.finished = status, body, started, finished

    def __repr__(self) -> str:
        return f"<{self.status} {self.body!r}>"


def send(user: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Callable[[], Answer]:
    """A request to run in a racing thread, as `user` (force_authenticate)."""

    def call() -> Answer:
        client = APIClient()
        client.force_authenticate(user)
        started = time.monotonic()
        response = getattr(client, method.lower())(path, body, format="json")
        try:
            payload = response.json()
        except ValueError:
            payload = response.content
        return Answer(response.status_code, payload, started, time.monotonic())

    return call


def race(*calls: Callable[[], Answer]) -> list[Answer]:
    """Run every call in its own thread, all released by one barrier; re-raise any crash."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Answer]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 (reported below, with the others)
            results[index] = exc
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    crashes = [r for r in results if isinstance(r, BaseException) or r is None]
    assert not crashes, crashes  # the test client re-raises a view's exception: that is a 500
    assert all(r.status < 500 for r in results), results
    return results


def statuses(answers: list[Answer]) -> list[int]:
    return sorted(a.status for a in answers)


# Contacts ---------------------------------------------------------------------------------


def test_crossing_friend_requests_store_one_request():
    """A asks B while B asks A: one request is stored; the other side is told about it."""
    for _ in range(ROUNDS):
        a, b = fresh("a"), fresh("b")
        first, second = race(
            send(a, "POST", "/contacts/friendRequests/user/", {"requested": b.username}),
            send(b, "POST", "/contacts/friendRequests/user/", {"requested": a.username}),
        )
        assert statuses([first, second]) == [201, 400], (first, second)
        loser = first if first.status == 400 else second
        assert loser.body == {"error": "This user has already sent you a request"}
        rows = Contact.objects.filter(requester__in=[a, b], requested__in=[a, b])
        assert rows.count() == 1 and not rows.get().accepted


def test_simultaneous_accepts_make_one_friendship():
    """B accepts A's request from two tabs at once: one accepts, the other finds nothing left."""
    for _ in range(ROUNDS):
        a, b = fresh("a"), fresh("b")
        ContactFactory(requester=a, requested=b, accepted=False)
        body = {"username": a.username, "action": True}
        answers = race(*[send(b, "POST", "/contacts/friendRequests/request/", body) for _ in range(2)])
        assert statuses(answers) == [200, 400], answers
        assert [x.body for x in answers if x.status == 400] == [{"error": "No friend request from this user"}]
        assert Contact.objects.filter(requester=a, requested=b, accepted=True).count() == 1
        assert Contact.objects.filter(requester__in=[a, b], requested__in=[a, b]).count() == 1


def test_accept_racing_reject_has_one_outcome():
    """Accept and reject of one request at once: exactly one wins, and the row says which."""
    for _ in range(ROUNDS):
        a, b = fresh("a"), fresh("b")
        ContactFactory(requester=a, requested=b, accepted=False)
        accept, reject = race(
            send(b, "POST", "/contacts/friendRequests/request/", {"username": a.username, "action": True}),
            send(b, "POST", "/contacts/friendRequests/request/", {"username": a.username, "action": False}),
        )
        assert statuses([accept, reject]) == [200, 400], (accept, reject)
        stored = list(Contact.objects.filter(requester=a, requested=b))
        if accept.status == 200:
            assert [c.accepted for c in stored] == [True]
        else:
            assert stored == []


# Invitations ------------------------------------------------------------------------------


def test_simultaneous_invitations_of_the_same_user_store_one():
    for _ in range(ROUNDS):
        owner, guest = fresh("owner"), fresh("guest")
        ContactFactory(requester=owner, requested=guest)
        calendar = CalendarFactory(owner=owner)
        path = f"/calendars/{calendar.pk}/invitee/"
        answers = race(*[send(owner, "POST", path, {"invitee": guest.pk}) for _ in range(3)])
        assert statuses(answers) == [200, 400, 400], answers
        assert all(x.body == {"invitee": ["This user is already invited to this calendar"]}
                   for x in answers if x.status == 400)
        assert Invitee.objects.filter(calendar=calendar, invitee=guest).count() == 1


# Availabilities against the deadline and the finalize call ---------------------------------


def _calendar_with_guests(n: int) -> tuple[Calendar, list[Any]]:
    owner = fresh("owner")
    calendar = CalendarFactory(owner=owner)
    guests = []
    for _ in range(n):
        guest = fresh("guest")
        ContactFactory(requester=owner, requested=guest)
        InviteeFactory(calendar=calendar, invitee=guest)
        guests.append(guest)
    return calendar, guests


def _window(i: int) -> dict[str, Any]:
    start = DAY + dt.timedelta(hours=i)
    end = start + dt.timedelta(minutes=45)
    return {"start_period": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end_period": f"{end:%Y-%m-%dT%H:%M:%SZ}",
            "preference": 2}


def test_availability_posts_racing_the_deadline_are_stored_or_refused_cleanly():
    """Invitees post while their deadline passes: each post is 200 (and stored) or 410
    "Deadline has passed" (and not stored); one sent after the deadline is never accepted."""
    calendar, guests = _calendar_with_guests(4)
    deadline = timezone.now() + dt.timedelta(seconds=1.0)  # set once the data is ready
    Invitee.objects.filter(calendar=calendar).update(deadline=deadline)
    path = f"/calendars/{calendar.pk}/availabilities/"
    stop_at = time.monotonic() + 2.0
    wall_offset = timezone.now().timestamp() - time.monotonic()

    def keep_posting(guest: Any) -> Callable[[], Answer]:
        def call() -> Answer:
            answers = []
            i = 0
            while time.monotonic() < stop_at:
                answers.append(send(guest, "POST", path, _window(i % 20))())
                i += 1
            return Answer(0, answers, 0, 0)

        return call

    batches = race(*[keep_posting(guest) for guest in guests])
    answers = [answer for batch in batches for answer in batch.body]
    counts = Counter(a.status for a in answers)
    assert set(counts) == {200, 410}, counts  # the race did span the deadline
    assert all(a.body == {"detail": "Deadline has passed"} for a in answers if a.status == 410)
    late = [a for a in answers if a.started + wall_offset > deadline.timestamp() + 0.05]
    assert late and all(a.status == 410 for a in late)
    assert Availability.objects.filter(calendar=calendar).count() == counts[200]
    stored = set(Availability.objects.filter(calendar=calendar).values_list("id", flat=True))
    assert stored == {a.body["id"] for a in answers if a.status == 200}


def test_availability_posts_racing_an_uninvite_leave_no_window_behind():
    """An invitee posts windows while the owner removes the invitation: each post lands before
    the removal (and is deleted with it) or is refused 403; no window of a non-invitee stays."""
    for round_ in range(ROUNDS):
        calendar, (guest,) = _calendar_with_guests(1)
        invitation = Invitee.objects.get(calendar=calendar, invitee=guest)
        path = f"/calendars/{calendar.pk}/availabilities/"
        leave = (send(calendar.owner, "DELETE", f"/calendars/{calendar.pk}/invitee/{invitation.pk}/")
                 if round_ % 2 else
                 send(guest, "DELETE", f"/calendars/{calendar.pk}/invitee/remove-invitation"))
        removal, *posts = race(leave, *[send(guest, "POST", path, _window(i)) for i in range(8)])
        assert removal.status == 200, removal
        assert {a.status for a in posts} <= {200, 403}, posts
        assert all(a.body == {"detail": "Not owner or invitee"} for a in posts if a.status == 403)
        assert not Availability.objects.filter(calendar=calendar, user=guest).exists()


def _finalize_then_count(calendar: Calendar, seen: list[int]) -> Callable[[], Answer]:
    """Finalize as the owner, then count the calendar's availabilities at once."""

    def call() -> Answer:
        answer = send(calendar.owner, "PUT", f"/calendars/{calendar.pk}/finalize/")()
        seen.append(Availability.objects.filter(calendar_id=calendar.pk).count())
        return answer

    return call


def test_availability_posts_racing_finalize_land_before_it_or_not_at_all():
    """Invitees post while the owner finalizes: each post is 200 (stored) or 410 "Calendar is
    finalized"; and once finalize has answered, no availability appears any more."""
    for _ in range(ROUNDS):
        calendar, guests = _calendar_with_guests(6)
        path = f"/calendars/{calendar.pk}/availabilities/"
        seen_after_finalize: list[int] = []
        finalize = _finalize_then_count(calendar, seen_after_finalize)
        answers = race(finalize, *[send(g, "POST", path, _window(i)) for i, g in enumerate(guests)])
        assert answers[0].status == 200, answers[0]
        posts = answers[1:]
        assert {a.status for a in posts} <= {200, 410}, posts
        assert all(a.body == {"detail": "Calendar is finalized"} for a in posts if a.status == 410)
        stored = Availability.objects.filter(calendar=calendar).count()
        assert stored == sum(a.status == 200 for a in posts)
        assert seen_after_finalize == [stored], "an availability was stored after finalize answered"


# Schedule ---------------------------------------------------------------------------------


def _calendar_ready_to_schedule(n: int) -> tuple[Calendar, list[Any]]:
    calendar, guests = _calendar_with_guests(n)
    AvailabilityFactory(calendar=calendar, user=calendar.owner, start_period=DAY,
                        end_period=DAY + dt.timedelta(hours=12))
    for i, guest in enumerate(guests):
        AvailabilityFactory(calendar=calendar, user=guest, start_period=DAY + dt.timedelta(hours=i),
                            end_period=DAY + dt.timedelta(hours=i + 2))
    return calendar, guests


def _at(hours: int) -> str:
    return f"{DAY + dt.timedelta(hours=hours):%Y-%m-%dT%H:%M:%SZ}"


def _stored(calendar: Calendar) -> list[tuple[int, str]]:
    return sorted(
        (m.meeter_id, f"{m.start_period:%Y-%m-%dT%H:%M:%SZ}") for m in Meet.objects.filter(calendar=calendar)
    )


def _answered(meets: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return sorted((m["meeter"], m["start_period"]) for m in meets)


def test_simultaneous_schedule_generation_and_edits_leave_one_whole_schedule():
    """Two generations, an owner's edit and a delete at once on one calendar: all succeed one
    after the other (the calendar row is locked), and what is stored is exactly the answer of
    one of them, never a mix or a duplicate."""
    for _ in range(ROUNDS):
        calendar, guests = _calendar_ready_to_schedule(5)
        path = f"/calendars/{calendar.pk}/schedule/"
        edit = {"meets": [{"meeter": g.pk, "start_period": _at(6 + i)} for i, g in enumerate(guests[:3])]}
        owner = calendar.owner
        gen1, gen2, put, delete = race(
            send(owner, "POST", path), send(owner, "POST", path), send(owner, "PUT", path, edit),
            send(owner, "DELETE", path),
        )
        assert [gen1.status, gen2.status, put.status, delete.status] == [200, 200, 200, 200]
        assert _answered(gen1.body["meets"]) == _answered(gen2.body["meets"])  # deterministic
        outcomes = [_answered(gen1.body["meets"]), _answered(put.body), []]
        stored = _stored(calendar)
        assert stored in outcomes, stored
        assert len({meeter for meeter, _ in stored}) == len(stored)


def test_simultaneous_schedule_edits_keep_one_edit_whole():
    for _ in range(ROUNDS):
        calendar, guests = _calendar_ready_to_schedule(4)
        path = f"/calendars/{calendar.pk}/schedule/"
        edits = [
            {"meets": [{"meeter": g.pk, "start_period": _at(h + i)} for i, g in enumerate(guests)]}
            for h in (1, 7)
        ]
        first, second = race(*[send(calendar.owner, "PUT", path, edit) for edit in edits])
        assert (first.status, second.status) == (200, 200)
        assert _stored(calendar) in (_answered(first.body), _answered(second.body))


def test_schedule_generation_racing_an_uninvite_never_schedules_a_former_invitee():
    for _ in range(ROUNDS):
        calendar, guests = _calendar_ready_to_schedule(4)
        leaving = Invitee.objects.get(calendar=calendar, invitee=guests[0])
        generate, uninvite = race(
            send(calendar.owner, "POST", f"/calendars/{calendar.pk}/schedule/"),
            send(calendar.owner, "DELETE", f"/calendars/{calendar.pk}/invitee/{leaving.pk}/"),
        )
        assert (generate.status, uninvite.status) == (200, 200)
        invited = set(Invitee.objects.filter(calendar=calendar).values_list("invitee_id", flat=True))
        assert {meeter for meeter, _ in _stored(calendar)} <= invited


def test_schedule_generation_racing_finalize_is_before_it_or_refused():
    for _ in range(ROUNDS):
        calendar, _ = _calendar_ready_to_schedule(3)
        generate, finalize = race(
            send(calendar.owner, "POST", f"/calendars/{calendar.pk}/schedule/"),
            send(calendar.owner, "PUT", f"/calendars/{calendar.pk}/finalize/"),
        )
        assert finalize.status == 200, finalize
        assert generate.status in (200, 410), generate
        if generate.status == 410:
            assert generate.body == {"detail": "Calendar is finalized"}
            assert _stored(calendar) == []
        else:
            assert _stored(calendar) == _answered(generate.body["meets"])


def test_writes_racing_finalize_checked_finalized_before_taking_the_lock():
    """Fault (found by the test above): availability and invitation writes checked
    `finalized` in the view, before their transaction, so a write could commit just after a
    concurrent finalize had answered. Every write under a calendar now re-checks it under the
    calendar's row lock (the lock finalize takes). Here: an owner's invitation, an invitee's
    change, deletion and decline, each racing finalize."""
    for _ in range(ROUNDS):
        calendar, guests = _calendar_with_guests(3)
        newcomer = fresh("guest")
        ContactFactory(requester=calendar.owner, requested=newcomer)
        window = AvailabilityFactory(calendar=calendar, user=guests[0])
        doomed = AvailabilityFactory(calendar=calendar, user=guests[1])
        base = f"/calendars/{calendar.pk}"
        snapshots: list[tuple[set[int], dict[int, int]]] = []
        answers = race(
            _finalize_then_snapshot(calendar, snapshots),
            send(calendar.owner, "POST", f"{base}/invitee/", {"invitee": newcomer.pk}),
            send(guests[0], "PATCH", f"{base}/availabilities/{window.pk}/", {"preference": 3}),
            send(guests[1], "DELETE", f"{base}/availabilities/{doomed.pk}/"),
            send(guests[2], "DELETE", f"{base}/invitee/remove-invitation/"),
        )
        assert answers[0].status == 200, answers
        writes = answers[1:]
        assert {a.status for a in writes} <= {200, 410}, writes
        assert all(a.body == {"detail": "Calendar is finalized"} for a in writes if a.status == 410)
        # Whatever was refused left no trace; what succeeded is stored.
        invitees, windows = _invitees(calendar), _windows(calendar)
        assert (newcomer.pk in invitees) == (writes[0].status == 200)
        assert (windows.get(window.pk) == 3) == (writes[1].status == 200)
        assert (doomed.pk not in windows) == (writes[2].status == 200)
        assert (guests[2].pk not in invitees) == (writes[3].status == 200)
        assert snapshots == [(invitees, windows)], "a write landed after finalize answered"


def _finalize_then_snapshot(calendar: Calendar, snapshots: list[Any]) -> Callable[[], Answer]:
    def call() -> Answer:
        answer = send(calendar.owner, "PUT", f"/calendars/{calendar.pk}/finalize/")()
        snapshots.append((_invitees(calendar), _windows(calendar)))
        return answer

    return call


def _invitees(calendar: Calendar) -> set[int]:
    return set(Invitee.objects.filter(calendar=calendar).values_list("invitee_id", flat=True))


def _windows(calendar: Calendar) -> dict[int, int]:
    return dict(Availability.objects.filter(calendar=calendar).values_list("id", "preference"))
