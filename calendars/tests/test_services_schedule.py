"""The schedule's glue (`calendars.services.schedule_*`): what it loads, what it stores, and
that it does so atomically, under the calendar's row lock, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.db.models.query import QuerySet
from django.http import Http404

from accounts.tests.factories import UserFactory
from calendars import scheduling, services
from calendars.models import Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from oneonone.errors import CalendarFinalized

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 4, day, hour, minute, tzinfo=dt.UTC)


def invite(calendar, username: str):
    user = UserFactory(username=username)
    InviteeFactory(calendar=calendar, invitee=user)
    return user


def window(calendar, user, start, end, preference=2):
    return AvailabilityFactory(
        calendar=calendar, user=user, start_period=start, end_period=end, preference=preference
    )


def rows(calendar):
    return list(
        Meet.objects.filter(calendar=calendar)
        .order_by("id")
        .values_list("meeter_id", "start_period", "end_period")
    )


def seeded_calendar(owner, invitees: int, seed: int):
    """Owner blocks on three days and invitees with 0-3 random windows (some at :15/:45)."""
    rng = random.Random(seed)
    calendar = CalendarFactory(owner=owner, meeting_duration=rng.choice([15, 30, 45]))
    for day in (1, 2, 3):
        window(calendar, owner, at(day, 9), at(day, 12), rng.choice([1, 2, 3]))
        window(calendar, owner, at(day, 13), at(day, 15, 30), rng.choice([1, 2, 3]))
    for i in range(invitees):
        user = invite(calendar, f"s{seed}_{i}")
        for _ in range(rng.randint(0, 3)):
            day, hour, minute = rng.choice([1, 2, 3]), rng.randint(8, 15), rng.choice([0, 15, 30, 45])
            start = at(day, hour, minute)
            window(
                calendar,
                user,
                start,
                start + dt.timedelta(minutes=rng.choice([20, 30, 60, 90])),
                rng.randint(1, 3),
            )
    return calendar


# schedule_inputs ---------------------------------------------------------------------------


def test_inputs_hold_the_owners_and_current_invitees_windows_in_utc(calendar, django_assert_num_queries):
    owner = calendar.owner
    carol, dave, erin = (invite(calendar, name) for name in ("carol", "dave", "erin"))
    window(calendar, owner, at(2, 9), at(2, 12), 3)
    window(calendar, carol, at(2, 9, 15), at(2, 10), 1)
    window(calendar, carol, at(2, 11), at(2, 11, 59), 2)
    window(calendar, erin, at(3, 9), at(3, 10))
    gone = invite(calendar, "gone")
    window(calendar, gone, at(2, 9), at(2, 10))
    Invitee.objects.filter(invitee=gone).delete()  # their window stays behind
    window(CalendarFactory(owner=owner), owner, at(4, 9), at(4, 10))  # another calendar
    with django_assert_num_queries(2):
        inputs = services.schedule_inputs(calendar=calendar)
    assert inputs.owner_windows == (scheduling.Window(at(2, 9), at(2, 12), 3),)
    assert [(i.invitee_id, i.windows) for i in inputs.invitees] == [
        (
            carol.id,
            (scheduling.Window(at(2, 9, 15), at(2, 10), 1), scheduling.Window(at(2, 11), at(2, 11, 59), 2)),
        ),
        (dave.id, ()),
        (erin.id, (scheduling.Window(at(3, 9), at(3, 10), 2),)),
    ]
    assert inputs.duration == dt.timedelta(minutes=30)
    assert inputs.users == {carol.id: carol, dave.id: dave, erin.id: erin}
    assert all(w.start.utcoffset() == dt.timedelta(0) for w in inputs.owner_windows)


# schedule_generate -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_stores_exactly_the_pure_schedulers_result(owner, seed):
    """The glue adds nothing and drops nothing: the stored meetings are the solver's, and they
    pass the solver-independent validator."""
    calendar = seeded_calendar(owner, invitees=14, seed=seed)
    outcome = services.schedule_generate(calendar=calendar)
    inputs = services.schedule_inputs(calendar=calendar)
    expected = scheduling.schedule(
        owner_windows=inputs.owner_windows, invitees=inputs.invitees, duration=inputs.duration
    )
    assert scheduling.validate(expected, inputs.owner_windows, inputs.invitees, inputs.duration) == []
    assert rows(calendar) == [(m.invitee_id, m.start, m.end) for m in expected.meetings]
    assert [(m.meeter_id, m.start_period) for m in outcome.meets] == [
        (m.invitee_id, m.start) for m in expected.meetings
    ]
    assert [(u.invitee, u.reason) for u in outcome.unscheduled] == [
        (u.invitee_id, u.reason) for u in expected.unscheduled
    ]
    assert [u.invitee_username for u in outcome.unscheduled] == [
        inputs.users[u.invitee_id].username for u in expected.unscheduled
    ]
    assert outcome.optimal is True
    assert all(meet.pk is not None for meet in outcome.meets)


def test_generating_costs_the_same_queries_for_3_and_30_invitees(owner, django_assert_num_queries):
    """SAVEPOINT, lock, invitations, availabilities, DELETE, INSERT, RELEASE: 7, for any size."""
    for count in (3, 30):
        calendar = seeded_calendar(owner, invitees=count, seed=count)
        with django_assert_num_queries(7):
            services.schedule_generate(calendar=calendar)


def test_generating_takes_the_calendar_row_lock_first(calendar, monkeypatch):
    locked_models = []
    real = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked_models.append(self.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    services.schedule_generate(calendar=calendar)
    services.schedule_replace(calendar=calendar, meets=[])
    services.schedule_delete(calendar=calendar)
    assert locked_models == [Calendar, Calendar, Calendar]


def test_a_failed_generation_keeps_the_old_schedule(calendar, invitation, monkeypatch):
    old = MeetFactory(calendar=calendar, meeter=invitation.invitee)
    window(calendar, calendar.owner, at(2, 9), at(2, 12))
    window(calendar, invitation.invitee, at(2, 10), at(2, 11))

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Meet.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        services.schedule_generate(calendar=calendar)
    assert rows(calendar) == [(old.meeter_id, old.start_period, old.end_period)]


def test_a_calendar_finalized_meanwhile_is_refused_under_the_lock(calendar, invitation):
    """The view saw it open; the service re-reads it under the lock and refuses."""
    old = MeetFactory(calendar=calendar, meeter=invitation.invitee)
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    for call in (
        lambda: services.schedule_generate(calendar=calendar),
        lambda: services.schedule_replace(calendar=calendar, meets=[]),
        lambda: services.schedule_delete(calendar=calendar),
    ):
        with pytest.raises(CalendarFinalized):
            call()
    assert Meet.objects.filter(pk=old.pk).exists()


def test_a_calendar_deleted_meanwhile_is_not_found(owner):
    calendar = CalendarFactory(owner=owner)
    Calendar.objects.filter(pk=calendar.pk).delete()
    with pytest.raises(Http404):
        services.schedule_generate(calendar=calendar)


def test_the_time_limit_setting_reaches_the_solver(calendar, settings, monkeypatch):
    seen = []
    real = scheduling.schedule

    def spy(**kwargs):
        seen.append(kwargs["time_limit"])
        return real(**kwargs)

    monkeypatch.setattr(scheduling, "schedule", spy)
    settings.SCHEDULER_TIME_LIMIT_SECONDS = 7.5
    services.schedule_generate(calendar=calendar)
    assert seen == [7.5]


# schedule_replace / schedule_delete --------------------------------------------------------


def test_replace_stores_meetings_of_the_calendars_length_in_start_order(calendar, invitation):
    dave = invite(calendar, "dave")
    meets = services.schedule_replace(
        calendar=calendar,
        meets=[
            services.MeetDraft(dave.id, at(3, 9)),
            services.MeetDraft(invitation.invitee_id, at(2, 9), at(2, 9, 30)),
        ],
    )
    assert (
        [(m.meeter_id, m.start_period, m.end_period) for m in meets]
        == rows(calendar)
        == [
            (invitation.invitee_id, at(2, 9), at(2, 9, 30)),
            (dave.id, at(3, 9), at(3, 9, 30)),
        ]
    )


def test_a_refused_edit_reports_every_faulty_meeting_by_index_and_changes_nothing(calendar, invitation):
    old = MeetFactory(calendar=calendar, meeter=invitation.invitee, start_period=at(4, 9))
    carol = invitation.invitee_id
    with pytest.raises(services.ScheduleEditInvalid) as raised:
        services.schedule_replace(
            calendar=calendar,
            meets=[
                services.MeetDraft(carol, at(2, 9)),
                services.MeetDraft(carol, at(2, 9, 10)),  # twice, and overlapping the first
                services.MeetDraft(424242, at(6, 0)),  # nobody, and past the window
            ],
        )
    span = "2030-04-01T00:00:00Z to 2030-04-06T00:00:00Z"
    assert raised.value.item_errors == {
        1: {
            "meeter": ["This invitee already has a meeting in this schedule (at index 0)"],
            "start_period": [
                "Overlaps the meeting at index 0 (2030-04-02T09:00:00Z to 2030-04-02T09:30:00Z)"
            ],
        },
        2: {
            "meeter": ["Not an invitee of this calendar"],
            "start_period": [f"The meeting must lie inside the calendar's window, {span}"],
        },
    }
    # Also readable as an ordinary field-keyed ValidationError.
    assert isinstance(raised.value, ValidationError)
    assert raised.value.message_dict["meets"][0].startswith("meets[1].meeter: ")
    assert rows(calendar) == [(old.meeter_id, old.start_period, old.end_period)]


def test_delete_removes_only_this_calendars_meetings(calendar, invitation):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    other = MeetFactory(calendar=CalendarFactory(owner=calendar.owner), meeter=invitation.invitee)
    assert services.schedule_delete(calendar=calendar) == 1
    assert rows(calendar) == []
    assert Meet.objects.filter(pk=other.pk).exists()


def test_removing_an_invitation_removes_the_meeting_and_takes_the_calendar_lock(
    calendar, invitation, monkeypatch
):
    MeetFactory(calendar=calendar, meeter=invitation.invitee)
    locked_models = []
    real = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked_models.append(self.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    services.invitee_delete(invitation=invitation)
    assert locked_models == [Calendar]
    assert rows(calendar) == []
