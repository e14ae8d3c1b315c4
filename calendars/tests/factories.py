from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from calendars.models import Availability, Calendar, Invitee, Meet


class CalendarFactory(DjangoModelFactory):
    class Meta:
        model = Calendar

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Office hours {n}")
    start_date = dt.date(2030, 4, 1)
    end_date = dt.date(2030, 4, 5)


class InviteeFactory(DjangoModelFactory):
    class Meta:
        model = Invitee

    calendar = factory.SubFactory(CalendarFactory)
    invitee = factory.SubFactory(UserFactory)
    deadline = factory.LazyAttribute(lambda o: o.calendar.window_end)


class AvailabilityFactory(DjangoModelFactory):
    class Meta:
        model = Availability

    calendar = factory.SubFactory(CalendarFactory)
    user = factory.LazyAttribute(lambda o: o.calendar.owner)
    start_period = dt.datetime(2030, 4, 1, 14, 0, tzinfo=dt.UTC)
    end_period = factory.LazyAttribute(lambda o: o.start_period + dt.timedelta(hours=1))
    preference = 2


class MeetFactory(DjangoModelFactory):
    class Meta:
        model = Meet

    calendar = factory.SubFactory(CalendarFactory)
    meeter = factory.SubFactory(UserFactory)
    start_period = dt.datetime(2030, 4, 1, 14, 0, tzinfo=dt.UTC)
    end_period = factory.LazyAttribute(
        lambda o: o.start_period + dt.timedelta(minutes=o.calendar.meeting_duration)
    )
