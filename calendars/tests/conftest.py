"""A small world for the calendar API tests: one calendar with its owner, an invitee and a
stranger, plus clients authenticated as each.

alice owns `calendar` (2030-04-01 to 2030-04-05, UTC); carol is her contact and invited; bob
is a stranger (no contact, no invitation).
"""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from calendars.tests.factories import CalendarFactory, InviteeFactory
from contacts.tests.factories import ContactFactory


@pytest.fixture
def owner(user):
    return user


@pytest.fixture
def stranger(other_user):
    return other_user


@pytest.fixture
def invitee_user(db):
    return UserFactory(username="carol")


@pytest.fixture
def calendar(owner):
    return CalendarFactory(owner=owner, name="Office hours")


@pytest.fixture
def invitation(calendar, invitee_user):
    ContactFactory(requester=calendar.owner, requested=invitee_user)
    return InviteeFactory(calendar=calendar, invitee=invitee_user)


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


@pytest.fixture
def invitee_client(client_for, invitation):
    return client_for(invitation.invitee)


@pytest.fixture
def stranger_client(client_for, stranger):
    return client_for(stranger)
