"""`/calendars/{calendar_id}/invitee/`: the owner's invitations (CONTRACT section 5)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from calendars import services
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory, MeetFactory
from contacts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture
def friend(owner):
    """dave: an accepted contact of the owner, not invited yet."""
    dave = UserFactory(username="dave")
    ContactFactory(requester=dave, requested=owner)
    return dave


def url(calendar, suffix=""):
    return f"/calendars/{calendar.id}/invitee/{suffix}"


# List and read -----------------------------------------------------------------------------


def test_the_owner_lists_invitations_with_their_status(owner_client, calendar, invitation, friend):
    second = InviteeFactory(calendar=calendar, invitee=friend)
    AvailabilityFactory(calendar=calendar, user=invitation.invitee)
    AvailabilityFactory(user=friend)  # in another calendar: does not count here
    response = owner_client.get(url(calendar))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": invitation.id,
            "calendar": calendar.id,
            "invitee": invitation.invitee_id,
            "invitee_username": "carol",
            "deadline": "2030-04-06T00:00:00Z",
            "has_availability": True,
        },
        {
            "id": second.id,
            "calendar": calendar.id,
            "invitee": friend.id,
            "invitee_username": "dave",
            "deadline": "2030-04-06T00:00:00Z",
            "has_availability": False,
        },
    ]


def test_it_lists_invitations_without_n_plus_one(owner_client, calendar, django_assert_num_queries):
    for _ in range(4):
        InviteeFactory(calendar=calendar)
    # 1. the calendar (with its owner) named in the URL
    # 2. the invitations joined with their user, `has_availability` as an EXISTS subquery
    with django_assert_num_queries(2):
        response = owner_client.get(url(calendar))
    assert len(response.json()) == 4


def test_the_owner_reads_one_invitation(owner_client, calendar, invitation):
    response = owner_client.get(url(calendar, f"{invitation.id}"))
    assert response.status_code == 200
    assert response.json()["invitee_username"] == "carol"


def test_an_invitation_of_another_calendar_is_404_here(owner_client, owner, calendar):
    elsewhere = InviteeFactory(calendar=CalendarFactory(owner=owner))
    response = owner_client.get(url(calendar, f"{elsewhere.id}/"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_invitees_and_strangers_get_403_whatever_the_id(
    invitee_client, stranger_client, calendar, invitation
):
    for client in (invitee_client, stranger_client):
        for path in (url(calendar), url(calendar, f"{invitation.id}"), url(calendar, "999999")):
            assert client.get(path).status_code == 403, path


# Create ------------------------------------------------------------------------------------


def test_the_owner_invites_a_contact_with_the_default_deadline(owner_client, calendar, friend):
    response = owner_client.post(url(calendar), {"invitee": friend.id})
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": body["id"],
        "calendar": calendar.id,
        "invitee": friend.id,
        "invitee_username": "dave",
        "deadline": "2030-04-06T00:00:00Z",
        "has_availability": False,
    }
    assert Invitee.objects.get(pk=body["id"]).invitee == friend


def test_the_default_deadline_is_the_end_of_the_window_in_the_calendars_timezone(owner_client, owner, friend):
    calendar = CalendarFactory(owner=owner, timezone="America/Toronto")
    response = owner_client.post(url(calendar), {"invitee": friend.id})
    assert response.json()["deadline"] == "2030-04-06T04:00:00Z"  # midnight EDT


@pytest.mark.parametrize(
    ("deadline", "stored"),
    [
        ("2030-03-30T12:00:00Z", "2030-03-30T12:00:00Z"),
        ("2030-03-30T17:30:00+05:30", "2030-03-30T12:00:00Z"),
        ("2030-03-30T17:30:00+0530", "2030-03-30T12:00:00Z"),
        ("2030-03-30T12:00:00.999Z", "2030-03-30T12:00:00Z"),
        ("2030-03-30T12:00:00", "2030-03-30T12:00:00Z"),  # no offset: the calendar's zone (UTC)
        ("2031-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),  # after the calendar ends: allowed
    ],
)
def test_the_owner_invites_with_a_deadline(owner_client, calendar, friend, deadline, stored):
    response = owner_client.post(url(calendar), {"invitee": friend.id, "deadline": deadline})
    assert response.status_code == 200
    assert response.json()["deadline"] == stored


def test_a_deadline_without_offset_is_read_in_the_calendars_timezone(owner_client, owner, friend):
    calendar = CalendarFactory(owner=owner, timezone="America/Toronto")
    response = owner_client.post(url(calendar), {"invitee": friend.id, "deadline": "2030-03-30T12:00:00"})
    assert response.json()["deadline"] == "2030-03-30T16:00:00Z"


def test_the_invitee_id_may_be_a_numeric_string(owner_client, calendar, friend):
    """Form bodies (the coreapi client) carry every value as a string."""
    response = owner_client.post(url(calendar), {"invitee": str(friend.id)}, format="multipart")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "invitee", "This field is required."),
        ({"invitee": 999999}, "invitee", services.USER_DOES_NOT_EXIST),
        ({"invitee": "abc"}, "invitee", "A valid integer is required."),
        ({"invitee": True}, "invitee", None),
        ({"invitee": [1]}, "invitee", None),
        ({"invitee": 10**30}, "invitee", None),
        ({"invitee": -1}, "invitee", None),
        (
            {"invitee": "FRIEND", "deadline": "2020-01-01T00:00:00Z"},
            "deadline",
            services.DEADLINE_NOT_IN_FUTURE,
        ),
        ({"invitee": "FRIEND", "deadline": "next friday"}, "deadline", None),
        ({"invitee": "FRIEND", "deadline": 1700000000}, "deadline", None),
        ({"invitee": "FRIEND", "deadline": "2030-02-30T10:00:00Z"}, "deadline", None),
        ({"invitee": "FRIEND", "deadline": "10000-01-01T00:00:00Z"}, "deadline", None),
        ({"invitee": "FRIEND", "deadline": "9999-12-31T23:00:00-05:00"}, "deadline", None),
    ],
)
def test_it_rejects_a_bad_invitation_naming_the_field(owner_client, calendar, friend, body, field, message):
    body = {key: friend.id if value == "FRIEND" else value for key, value in body.items()}
    response = owner_client.post(url(calendar), body)
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not Invitee.objects.exists()


def test_the_owner_cannot_invite_themself(owner_client, owner, calendar):
    response = owner_client.post(url(calendar), {"invitee": owner.id})
    assert response.status_code == 400
    assert response.json() == {"invitee": [services.CANNOT_INVITE_YOURSELF]}


def test_only_accepted_contacts_can_be_invited(owner_client, owner, calendar, stranger):
    pending = UserFactory(username="erin")
    ContactFactory(requester=owner, requested=pending, accepted=False)
    for user in (stranger, pending):
        response = owner_client.post(url(calendar), {"invitee": user.id})
        assert response.status_code == 400
        assert response.json() == {"invitee": [services.NOT_A_CONTACT]}
    assert not Invitee.objects.exists()


def test_a_user_cannot_be_invited_twice(owner_client, calendar, invitation):
    response = owner_client.post(url(calendar), {"invitee": invitation.invitee_id})
    assert response.status_code == 400
    assert response.json() == {"invitee": [services.ALREADY_INVITED]}
    assert Invitee.objects.count() == 1


def test_a_concurrent_duplicate_invitation_is_a_400_not_a_500(owner_client, calendar, friend, monkeypatch):
    """Another request inserts the same invitation between our check and our INSERT."""
    real = services.contact_user_ids

    def contacts_while_another_request_wins(*, user):
        InviteeFactory(calendar=calendar, invitee=friend)
        return real(user=user)

    monkeypatch.setattr(services, "contact_user_ids", contacts_while_another_request_wins)
    response = owner_client.post(url(calendar), {"invitee": friend.id})
    assert response.status_code == 400
    assert response.json() == {"invitee": [services.ALREADY_INVITED]}
    assert Invitee.objects.filter(calendar=calendar, invitee=friend).count() == 1


def test_the_same_user_can_be_invited_to_two_calendars(owner_client, owner, calendar, friend):
    second = CalendarFactory(owner=owner)
    assert owner_client.post(url(calendar), {"invitee": friend.id}).status_code == 200
    assert owner_client.post(url(second), {"invitee": friend.id}).status_code == 200


def test_an_invitee_cannot_invite(invitee_client, calendar, friend):
    assert invitee_client.post(url(calendar), {"invitee": friend.id}).status_code == 403
    assert not Invitee.objects.filter(invitee=friend).exists()


# Update ------------------------------------------------------------------------------------


def test_the_owner_moves_the_deadline(owner_client, calendar, invitation):
    response = owner_client.put(url(calendar, f"{invitation.id}"), {"deadline": "2030-05-01T09:00:00Z"})
    assert response.status_code == 200
    assert response.json()["deadline"] == "2030-05-01T09:00:00Z"
    assert response.json()["has_availability"] is False
    invitation.refresh_from_db()
    assert invitation.deadline == dt.datetime(2030, 5, 1, 9, tzinfo=dt.UTC)


def test_the_invitee_may_be_resent_unchanged(owner_client, calendar, invitation):
    body = {"invitee": invitation.invitee_id, "deadline": "2030-05-01T09:00:00Z"}
    assert owner_client.put(url(calendar, f"{invitation.id}"), body).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "deadline"),
        ({"deadline": "2020-01-01T00:00:00Z"}, "deadline"),
        ({"deadline": "soon"}, "deadline"),
        ({"deadline": "2030-05-01T09:00:00Z", "invitee": "OTHER"}, "invitee"),
        ({"deadline": "2030-05-01T09:00:00Z", "invitee": "x"}, "invitee"),
    ],
)
def test_it_rejects_a_bad_invitation_update(owner_client, calendar, invitation, friend, body, field):
    body = {key: friend.id if value == "OTHER" else value for key, value in body.items()}
    response = owner_client.put(url(calendar, f"{invitation.id}"), body)
    assert response.status_code == 400
    assert field in response.json()
    before = invitation.deadline
    invitation.refresh_from_db()
    assert (invitation.invitee.username, invitation.deadline) == ("carol", before)


def test_patch_without_a_deadline_changes_nothing(owner_client, calendar, invitation):
    response = owner_client.patch(url(calendar, f"{invitation.id}"), {})
    assert response.status_code == 200
    assert response.json()["deadline"] == "2030-04-06T00:00:00Z"


# Delete ------------------------------------------------------------------------------------


def test_deleting_an_invitee_removes_their_windows_and_meeting_here_only(owner_client, calendar, invitation):
    carol = invitation.invitee
    mine = AvailabilityFactory(calendar=calendar)  # the owner's: stays
    theirs = AvailabilityFactory(calendar=calendar, user=carol)
    meeting = MeetFactory(calendar=calendar, meeter=carol)
    elsewhere = CalendarFactory(owner=calendar.owner)
    InviteeFactory(calendar=elsewhere, invitee=carol)
    kept = AvailabilityFactory(calendar=elsewhere, user=carol)
    kept_meeting = MeetFactory(calendar=elsewhere, meeter=carol)

    response = owner_client.delete(url(calendar, f"{invitation.id}/"))
    assert response.status_code == 200
    assert response.json() == {}
    assert set(Availability.objects.all()) == {mine, kept}
    assert list(Meet.objects.all()) == [kept_meeting]
    assert not Invitee.objects.filter(pk=invitation.id).exists()
    # The old ids are gone for everyone.
    assert owner_client.get(url(calendar, f"{invitation.id}")).status_code == 404
    path = f"/calendars/{calendar.id}/availabilities/{theirs.id}/"
    assert owner_client.get(path).status_code == 404
    assert not Meet.objects.filter(pk=meeting.pk).exists()


def test_a_deleted_invitee_becomes_a_stranger(owner_client, client_for, calendar, invitation):
    owner_client.delete(url(calendar, f"{invitation.id}"))
    carol = client_for(invitation.invitee)
    assert carol.get(f"/calendars/{calendar.id}").status_code == 403
    assert carol.get(f"/calendars/{calendar.id}/availabilities/").status_code == 403


def test_deleting_a_missing_invitation_is_404_and_deletes_nothing(owner_client, calendar, invitation):
    assert owner_client.delete(url(calendar, "999999")).status_code == 404
    assert Invitee.objects.count() == 1


# Finalized ---------------------------------------------------------------------------------


def test_a_finalized_calendar_lists_invitations_but_refuses_every_write(
    owner_client, calendar, invitation, friend
):
    Calendar.objects.filter(pk=calendar.pk).update(finalized=True)
    assert owner_client.get(url(calendar)).status_code == 200
    assert owner_client.get(url(calendar, f"{invitation.id}")).status_code == 200
    writes = [
        owner_client.post(url(calendar), {"invitee": friend.id}),
        owner_client.put(url(calendar, f"{invitation.id}"), {"deadline": "2030-05-01T00:00:00Z"}),
        owner_client.patch(url(calendar, f"{invitation.id}"), {"deadline": "2030-05-01T00:00:00Z"}),
        owner_client.delete(url(calendar, f"{invitation.id}")),
    ]
    for response in writes:
        assert response.status_code == 410
        assert response.json() == {"detail": "Calendar is finalized"}
    assert list(Invitee.objects.all()) == [invitation]
    invitation.refresh_from_db()
    assert invitation.deadline == dt.datetime(2030, 4, 6, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_deadline_equal_to_now_is_refused(owner_client, calendar, friend):
    response = owner_client.post(url(calendar), {"invitee": friend.id, "deadline": NOW.isoformat()})
    assert response.status_code == 400
    assert "deadline" in response.json()
