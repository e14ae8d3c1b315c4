"""`/calendars/{calendar_id}/availabilities/`: windows of the owner and invitees (CONTRACT 6)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calendars.models import Availability, Calendar
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory

pytestmark = pytest.mark.django_db

WINDOW = {"start_period": "2030-04-02T14:00:00Z", "end_period": "2030-04-02T15:00:00Z", "preference": "2"}
AFTER_DEADLINE = dt.datetime(2030, 4, 6, 0, 0, 1, tzinfo=dt.UTC)  # default deadline: 2030-04-06T00:00Z


def url(calendar, suffix=""):
    return f"/calendars/{calendar.id}/availabilities/{suffix}"


def at(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def toronto(owner):
    """A calendar in America/Toronto spanning both 2030 DST changes (Mar 10 and Nov 3)."""
    return CalendarFactory(
        owner=owner,
        timezone="America/Toronto",
        start_date=dt.date(2030, 3, 1),
        end_date=dt.date(2030, 11, 30),
    )


# Create ------------------------------------------------------------------------------------


def test_the_owner_adds_a_window(owner_client, owner, calendar):
    response = owner_client.post(url(calendar), WINDOW)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": body["id"],
        "start_period": "2030-04-02T14:00:00Z",
        "end_period": "2030-04-02T15:00:00Z",
        "preference": "2",
        "calendar": calendar.id,
        "user": owner.id,
    }
    stored = Availability.objects.get(pk=body["id"])
    assert (stored.start_period, stored.end_period, stored.preference) == (
        at(2030, 4, 2, 14),
        at(2030, 4, 2, 15),
        2,
    )


def test_an_invitee_adds_a_window_as_themself(invitee_client, calendar, invitation, stranger):
    response = invitee_client.post(url(calendar), {**WINDOW, "user": stranger.id, "calendar": 999})
    assert response.status_code == 200
    assert (response.json()["user"], response.json()["calendar"]) == (invitation.invitee_id, calendar.id)


@pytest.mark.parametrize(("sent", "shown"), [(1, "1"), ("1", "1"), (2, "2"), ("3", "3"), (3, "3")])
def test_a_preference_is_a_number_or_a_string_in_and_a_string_out(owner_client, calendar, sent, shown):
    response = owner_client.post(url(calendar), {**WINDOW, "preference": sent})
    assert response.status_code == 200
    assert response.json()["preference"] == shown


@pytest.mark.parametrize("preference", [0, 4, "4", "high", "", None, True, 2.5, "2.0", [2]])
def test_it_rejects_a_preference_outside_1_to_3(owner_client, calendar, preference):
    response = owner_client.post(url(calendar), {**WINDOW, "preference": preference})
    assert response.status_code == 400
    assert "preference" in response.json()
    assert not Availability.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "stored_start", "stored_end"),
    [
        ("2030-04-02T14:00:00Z", "2030-04-02T15:00:00Z", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
        ("2030-04-02T19:30:00+05:30", "2030-04-02T20:30:00+05:30", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
        ("2030-04-02T19:30:00+0530", "2030-04-02T20:30:00+0530", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
        ("2030-04-02T10:00:00-04:00", "2030-04-02T11:00:00-04:00", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
        ("2030-04-02T14:00:00.000Z", "2030-04-02T15:00:00.999999Z", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
        ("2030-04-02T14:00:00", "2030-04-02T15:00:00", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),  # zone: UTC
        ("2030-04-02 14:00", "2030-04-02 15:00Z", at(2030, 4, 2, 14), at(2030, 4, 2, 15)),
    ],
)
def test_it_reads_iso_8601_with_any_offset_and_prints_utc_whole_seconds(
    owner_client, calendar, start, end, stored_start, stored_end
):
    response = owner_client.post(url(calendar), {**WINDOW, "start_period": start, "end_period": end})
    assert response.status_code == 200, response.json()
    assert response.json()["start_period"] == stored_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert response.json()["end_period"] == stored_end.strftime("%Y-%m-%dT%H:%M:%SZ")
    stored = Availability.objects.get()
    assert (stored.start_period, stored.end_period) == (stored_start, stored_end)


def test_a_time_without_offset_is_read_in_the_calendars_timezone(owner_client, toronto):
    body = {**WINDOW, "start_period": "2030-04-02T10:00:00", "end_period": "2030-04-02T11:30:00"}
    response = owner_client.post(url(toronto), body)
    assert response.status_code == 200
    assert response.json()["start_period"] == "2030-04-02T14:00:00Z"  # EDT, UTC-4
    assert response.json()["end_period"] == "2030-04-02T15:30:00Z"


def test_a_local_time_in_the_spring_dst_gap_asks_for_an_offset(owner_client, toronto):
    """02:30 on 2030-03-10 does not exist in Toronto: the clocks jump from 02:00 to 03:00."""
    body = {**WINDOW, "start_period": "2030-03-10T02:30:00", "end_period": "2030-03-10T04:00:00"}
    response = owner_client.post(url(toronto), body)
    assert response.status_code == 400
    message = response.json()["start_period"][0]
    assert "does not exist in America/Toronto" in message and "offset" in message
    assert not Availability.objects.exists()
    fixed = {**body, "start_period": "2030-03-10T02:30:00-05:00"}
    response = owner_client.post(url(toronto), fixed)
    assert response.status_code == 200
    assert response.json()["start_period"] == "2030-03-10T07:30:00Z"


def test_a_local_time_in_the_autumn_dst_fold_asks_for_an_offset(owner_client, toronto):
    """01:30 on 2030-11-03 happens twice in Toronto (EDT, then EST)."""
    body = {**WINDOW, "start_period": "2030-11-03T01:30:00", "end_period": "2030-11-03T03:00:00"}
    response = owner_client.post(url(toronto), body)
    assert response.status_code == 400
    message = response.json()["start_period"][0]
    assert "happens twice in America/Toronto" in message
    assert "2030-11-03T01:30:00-04:00" in message and "2030-11-03T01:30:00-05:00" in message
    assert not Availability.objects.exists()
    for offset, utc in (("-04:00", "2030-11-03T05:30:00Z"), ("-05:00", "2030-11-03T06:30:00Z")):
        response = owner_client.post(url(toronto), {**body, "start_period": f"2030-11-03T01:30:00{offset}"})
        assert response.status_code == 200
        assert response.json()["start_period"] == utc


def test_local_times_around_the_dst_changes_that_exist_once_are_accepted(owner_client, toronto):
    body = {**WINDOW, "start_period": "2030-03-10T01:59:00", "end_period": "2030-03-10T03:00:00"}
    response = owner_client.post(url(toronto), body)
    assert response.status_code == 200
    # 01:59 EST is 06:59Z; 03:00 EDT is 07:00Z: one minute of real time.
    assert (response.json()["start_period"], response.json()["end_period"]) == (
        "2030-03-10T06:59:00Z",
        "2030-03-10T07:00:00Z",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_period": None}, "start_period"),
        ({"end_period": None}, "end_period"),
        ({"preference": None}, "preference"),
        ({"start_period": "tomorrow at noon"}, "start_period"),
        ({"start_period": ""}, "start_period"),
        ({"start_period": 1901026400}, "start_period"),
        ({"start_period": ["2030-04-02T14:00:00Z"]}, "start_period"),
        ({"start_period": {"at": "2030-04-02T14:00:00Z"}}, "start_period"),
        ({"end_period": "2030-04-02T25:00:00Z"}, "end_period"),
        ({"end_period": "2030-04-31T10:00:00Z"}, "end_period"),
        ({"end_period": "2030-04-02T15:00:00+24:00"}, "end_period"),
        ({"start_period": "0001-01-01T00:00:00+05:00"}, "start_period"),
        ({"start_period": "1850-04-02T14:00:00Z"}, "start_period"),
        ({"end_period": "9999-12-31T23:59:59-05:00"}, "end_period"),
        ({"end_period": "20300-04-02T15:00:00Z"}, "end_period"),
        ({"end_period": "2030-04-02T13:00:00Z"}, "end_period"),  # before the start
        ({"end_period": "2030-04-02T14:00:00Z"}, "end_period"),  # zero length
        ({"end_period": "2030-04-02T14:00:00.900Z"}, "end_period"),  # zero length in whole seconds
        ({"start_period": "2030-03-31T23:00:00Z"}, "start_period"),  # starts before the calendar
        ({"end_period": "2030-04-06T00:00:01Z"}, "end_period"),  # ends after the calendar
        (
            {"start_period": "2030-04-07T10:00:00Z", "end_period": "2030-04-07T11:00:00Z"},
            "start_period",
        ),  # entirely after the calendar
        (
            {"start_period": "2030-03-30T10:00:00Z", "end_period": "2030-03-30T11:00:00Z"},
            "end_period",
        ),  # entirely before the calendar
    ],
)
def test_it_rejects_a_bad_window_naming_the_field(owner_client, calendar, change, field):
    body = {key: value for key, value in {**WINDOW, **change}.items() if value is not None}
    response = owner_client.post(url(calendar), body)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Availability.objects.exists()


def test_it_says_every_required_field(owner_client, calendar):
    response = owner_client.post(url(calendar), {})
    assert response.status_code == 400
    assert set(response.json()) == {"start_period", "end_period", "preference"}


def test_the_whole_window_of_the_calendar_is_accepted(owner_client, calendar):
    body = {**WINDOW, "start_period": "2030-04-01T00:00:00Z", "end_period": "2030-04-06T00:00:00Z"}
    assert owner_client.post(url(calendar), body).status_code == 200


def test_the_window_is_in_the_calendars_timezone(owner_client, owner):
    """In Toronto (UTC-4 in April) the calendar starts at 04:00Z and ends at 04:00Z."""
    calendar = CalendarFactory(owner=owner, timezone="America/Toronto")
    early = {**WINDOW, "start_period": "2030-04-01T03:59:00Z", "end_period": "2030-04-01T05:00:00Z"}
    assert owner_client.post(url(calendar), early).status_code == 400
    first = {**early, "start_period": "2030-04-01T04:00:00Z"}
    assert owner_client.post(url(calendar), first).status_code == 200
    last = {**WINDOW, "start_period": "2030-04-06T03:00:00Z", "end_period": "2030-04-06T04:00:00Z"}
    assert owner_client.post(url(calendar), last).status_code == 200
    late = {**last, "end_period": "2030-04-06T04:01:00Z"}
    assert owner_client.post(url(calendar), late).status_code == 400


def test_a_one_day_calendar_accepts_windows_that_day_only(owner_client, owner):
    calendar = CalendarFactory(owner=owner, start_date=dt.date(2030, 4, 1), end_date=dt.date(2030, 4, 1))
    whole_day = {**WINDOW, "start_period": "2030-04-01T00:00:00Z", "end_period": "2030-04-02T00:00:00Z"}
    assert owner_client.post(url(calendar), whole_day).status_code == 200
    evening = {**WINDOW, "start_period": "2030-04-01T22:00:00Z", "end_period": "2030-04-01T23:59:00Z"}
    assert owner_client.post(url(calendar), evening).status_code == 200
    past_midnight = {**evening, "end_period": "2030-04-02T01:00:00Z"}
    response = owner_client.post(url(calendar), past_midnight)
    assert response.status_code == 400
    assert "end_period" in response.json()
    assert Availability.objects.count() == 2


def test_a_window_across_midnight_inside_the_calendar_is_accepted(owner_client, calendar):
    body = {**WINDOW, "start_period": "2030-04-02T22:00:00Z", "end_period": "2030-04-03T02:00:00Z"}
    assert owner_client.post(url(calendar), body).status_code == 200


def test_a_leap_day_calendar_takes_windows_on_february_29(owner_client, owner):
    calendar = CalendarFactory(owner=owner, start_date=dt.date(2028, 2, 29), end_date=dt.date(2028, 2, 29))
    body = {**WINDOW, "start_period": "2028-02-29T09:00:00Z", "end_period": "2028-02-29T10:00:00Z"}
    assert owner_client.post(url(calendar), body).status_code == 200
    not_a_day = {**body, "start_period": "2028-02-30T09:00:00Z"}
    assert owner_client.post(url(calendar), not_a_day).status_code == 400
    outside = {**body, "start_period": "2028-03-01T09:00:00Z", "end_period": "2028-03-01T10:00:00Z"}
    assert owner_client.post(url(calendar), outside).status_code == 400


def test_windows_of_one_user_may_touch_and_overlap(owner_client, calendar):
    for start, end in (("14:00", "15:00"), ("15:00", "16:00"), ("14:30", "15:30")):
        body = {**WINDOW, "start_period": f"2030-04-02T{start}:00Z", "end_period": f"2030-04-02T{end}:00Z"}
        assert owner_client.post(url(calendar), body).status_code == 200
    assert Availability.objects.count() == 3


def test_a_body_that_does_not_parse_is_400(owner_client, calendar):
    response = owner_client.generic("POST", url(calendar), "{", content_type="application/json")
    assert response.status_code == 400


# List --------------------------------------------------------------------------------------


@pytest.fixture
def windows(calendar, invitation):
    """Two windows each for the owner, carol (invited) and dave (invited); one elsewhere."""
    dave = InviteeFactory(calendar=calendar).invitee
    rows = [
        AvailabilityFactory(calendar=calendar, user=user, start_period=at(2030, 4, 2, hour))
        for hour in (9, 12)
        for user in (calendar.owner, invitation.invitee, dave)
    ]
    AvailabilityFactory(user=invitation.invitee)  # another calendar
    return rows


def test_the_owner_sees_every_window_in_the_calendar(owner_client, calendar, windows):
    response = owner_client.get(url(calendar))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [w.id for w in windows]


def test_an_invitee_sees_only_their_own_windows(invitee_client, calendar, invitation, windows):
    response = invitee_client.get(url(calendar))
    assert [row["id"] for row in response.json()] == [w.id for w in windows if w.user == invitation.invitee]
    # Filtering on someone else gives nothing, not their windows.
    assert invitee_client.get(url(calendar) + f"?user={calendar.owner_id}").json() == []


def test_the_owner_filters_by_user(owner_client, calendar, invitation, windows):
    response = owner_client.get(url(calendar) + f"?user={invitation.invitee_id}")
    assert [row["user"] for row in response.json()] == [invitation.invitee_id] * 2
    assert owner_client.get(url(calendar) + "?user=999999").json() == []


def test_an_empty_user_filter_is_no_filter(owner_client, calendar, windows):
    """`?user=` is what a form with an empty select sends: it means everyone."""
    assert len(owner_client.get(url(calendar) + "?user=").json()) == 6


@pytest.mark.parametrize("value", ["abc", "1.5", "-3", "99999999999999999999999"])
def test_a_bad_user_filter_is_400(owner_client, calendar, value):
    response = owner_client.get(url(calendar) + f"?user={value}")
    assert response.status_code == 400
    assert "user" in response.json()


def test_the_owner_lists_windows_without_n_plus_one(
    owner_client, calendar, windows, django_assert_num_queries
):
    # 1. the calendar (with its owner) named in the URL
    # 2. the calendar's availabilities
    with django_assert_num_queries(2):
        response = owner_client.get(url(calendar))
    assert len(response.json()) == 6


def test_an_invitee_lists_windows_without_n_plus_one(
    invitee_client, calendar, windows, django_assert_num_queries
):
    # 1. the calendar (with its owner)  2. the caller's invitation  3. their availabilities
    with django_assert_num_queries(3):
        response = invitee_client.get(url(calendar))
    assert len(response.json()) == 2


def test_the_list_pages_when_asked(owner_client, calendar, windows):
    page = owner_client.get(url(calendar) + "?limit=4&offset=4").json()
    assert page["count"] == 6
    assert [row["id"] for row in page["results"]] == [w.id for w in windows[4:]]


# Detail ------------------------------------------------------------------------------------


def test_the_owner_reads_an_invitees_window_but_cannot_change_it(owner_client, calendar, invitation):
    theirs = AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    path = url(calendar, f"{theirs.id}/")
    assert owner_client.get(path).status_code == 200
    for response in (
        owner_client.put(path, WINDOW),
        owner_client.patch(path, {"preference": 3}),
        owner_client.delete(path),
    ):
        assert response.status_code == 403
    theirs.refresh_from_db()
    assert (theirs.start_period, theirs.preference) == (at(2030, 4, 1, 14), 2)


def test_an_invitee_gets_404_for_anyone_elses_window(invitee_client, calendar):
    owners = AvailabilityFactory(calendar=calendar)
    someone = AvailabilityFactory(calendar=calendar, user=InviteeFactory(calendar=calendar).invitee)
    for window in (owners, someone):
        path = url(calendar, f"{window.id}")
        assert invitee_client.get(path).status_code == 404
        assert invitee_client.put(path, WINDOW).status_code == 404
        assert invitee_client.delete(path).status_code == 404
    assert Availability.objects.count() == 2


def test_a_window_of_another_calendar_is_404_here(owner_client, owner, calendar):
    elsewhere = AvailabilityFactory(calendar=CalendarFactory(owner=owner))
    path = url(calendar, f"{elsewhere.id}/")
    assert owner_client.get(path).status_code == 404
    assert owner_client.delete(path).status_code == 404
    assert Availability.objects.filter(pk=elsewhere.pk).exists()


def test_an_invitee_changes_their_own_window(invitee_client, calendar, invitation):
    mine = AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    path = url(calendar, f"{mine.id}")
    body = {"start_period": "2030-04-03T08:00:00Z", "end_period": "2030-04-03T09:30:00Z", "preference": 3}
    response = invitee_client.put(path, body)
    assert response.status_code == 200
    assert response.json() == {
        "id": mine.id,
        "start_period": "2030-04-03T08:00:00Z",
        "end_period": "2030-04-03T09:30:00Z",
        "preference": "3",
        "calendar": calendar.id,
        "user": invitation.invitee_id,
    }
    response = invitee_client.patch(path, {"preference": "1"})
    assert (response.status_code, response.json()["preference"]) == (200, "1")
    assert response.json()["start_period"] == "2030-04-03T08:00:00Z"


@pytest.mark.parametrize(
    "body",
    [
        {"end_period": "2030-04-01T13:00:00Z"},  # before the stored start
        {"start_period": "2030-04-01T15:00:00Z"},  # at the stored end: zero length
        {"start_period": "2030-04-01T10:00:00Z", "preference": 7},
        {"start_period": "2030-04-01T10:00:00Z", "end_period": "2031-01-01T00:00:00Z"},
    ],
)
def test_a_rejected_update_leaves_the_window_as_it_was(owner_client, calendar, body):
    mine = AvailabilityFactory(calendar=calendar)
    response = owner_client.patch(url(calendar, f"{mine.id}"), body)
    assert response.status_code == 400
    mine.refresh_from_db()
    assert (mine.start_period, mine.end_period, mine.preference) == (
        at(2030, 4, 1, 14),
        at(2030, 4, 1, 15),
        2,
    )


def test_put_needs_every_field(owner_client, calendar):
    mine = AvailabilityFactory(calendar=calendar)
    response = owner_client.put(url(calendar, f"{mine.id}"), {"preference": 3})
    assert response.status_code == 400
    assert set(response.json()) == {"start_period", "end_period"}


def test_the_owner_deletes_their_window(owner_client, calendar):
    mine = AvailabilityFactory(calendar=calendar)
    response = owner_client.delete(url(calendar, f"{mine.id}/"))
    assert (response.status_code, response.json()) == (200, {})
    assert owner_client.get(url(calendar, f"{mine.id}/")).status_code == 404


# Deadline and finalized --------------------------------------------------------------------


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_an_invitee_after_their_deadline_gets_410_and_nothing_is_stored(invitee_client, calendar, invitation):
    mine = AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    path = url(calendar, f"{mine.id}")
    for response in (
        invitee_client.post(url(calendar), WINDOW),
        invitee_client.post(url(calendar), {}),  # the deadline is checked before the body
        invitee_client.put(path, WINDOW),
        invitee_client.patch(path, {"preference": 3}),
        invitee_client.delete(path),
        invitee_client.delete(url(calendar, "bulk-delete")),
    ):
        assert response.status_code == 410
        assert response.json() == {"detail": "Deadline has passed"}
    assert list(Availability.objects.all()) == [mine]
    mine.refresh_from_db()
    assert mine.preference == 2
    # Reading still works.
    assert invitee_client.get(url(calendar)).status_code == 200
    assert invitee_client.get(path).status_code == 200


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_finalized_is_answered_before_a_passed_deadline(invitee_client, calendar, invitation):
    # Both 410s apply; the calendar-wide one wins: nobody may write any more, deadline or not.
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    response = invitee_client.post(url(calendar), WINDOW)
    assert (response.status_code, response.json()) == (410, {"detail": "Calendar is finalized"})
    assert not Availability.objects.exists()


@time_machine.travel(AFTER_DEADLINE, tick=False)
def test_the_owner_has_no_deadline(owner_client, calendar, invitation):
    assert owner_client.post(url(calendar), WINDOW).status_code == 200


def test_an_invitee_before_their_deadline_may_write(invitee_client, calendar, invitation):
    with time_machine.travel(invitation.deadline - dt.timedelta(seconds=1), tick=False):
        assert invitee_client.post(url(calendar), WINDOW).status_code == 200


def test_a_moved_deadline_opens_writing_again(owner_client, invitee_client, calendar, invitation):
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert invitee_client.post(url(calendar), WINDOW).status_code == 410
        response = owner_client.patch(
            f"/calendars/{calendar.id}/invitee/{invitation.id}", {"deadline": "2030-04-10T00:00:00Z"}
        )
        assert response.status_code == 200
        assert invitee_client.post(url(calendar), WINDOW).status_code == 200


def test_a_finalized_calendar_reads_but_every_write_is_410(
    owner_client, invitee_client, calendar, invitation
):
    mine = AvailabilityFactory(calendar=calendar)
    theirs = AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    for client, window in ((owner_client, mine), (invitee_client, theirs)):
        assert client.get(url(calendar)).status_code == 200
        assert client.get(url(calendar, f"{window.id}")).status_code == 200
        path = url(calendar, f"{window.id}")
        for response in (
            client.post(url(calendar), WINDOW),
            client.put(path, WINDOW),
            client.patch(path, {"preference": 3}),
            client.delete(path),
            client.delete(url(calendar, "bulk-delete")),
        ):
            assert response.status_code == 410
            assert response.json() == {"detail": "Calendar is finalized"}
    assert set(Availability.objects.all()) == {mine, theirs}


# Strangers ---------------------------------------------------------------------------------


def test_a_stranger_gets_403_on_everything_and_learns_nothing(stranger_client, calendar):
    window = AvailabilityFactory(calendar=calendar)
    paths = [
        url(calendar),
        url(calendar, f"{window.id}"),
        url(calendar, "999999"),
        url(calendar, "bulk-delete"),
    ]
    responses = [stranger_client.get(p) for p in paths[:3]] + [
        stranger_client.post(paths[0], WINDOW),
        stranger_client.put(paths[1], WINDOW),
        stranger_client.put(paths[2], WINDOW),
        stranger_client.delete(paths[1]),
        stranger_client.delete(paths[3]),
    ]
    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"detail": "Not owner or invitee"}
    assert list(Availability.objects.all()) == [window]


def test_a_missing_calendar_is_404_for_everyone(owner_client, stranger_client):
    for client in (owner_client, stranger_client):
        response = client.get("/calendars/999999/availabilities/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_reading_one_window_takes_two_queries(owner_client, calendar, django_assert_num_queries):
    window = AvailabilityFactory(calendar=calendar)
    # 1. the calendar joined with its owner  2. the availability, within that calendar
    with django_assert_num_queries(2):
        assert owner_client.get(url(calendar, f"{window.id}")).status_code == 200
