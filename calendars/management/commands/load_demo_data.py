"""`manage.py load_demo_data`: a realistic, deterministic demo to try every endpoint at once.

It loads once: when the demo is already there it says so and changes nothing (so `make run`
can call it every time without losing what you did). `--reset` replaces the demo users (the
usernames listed below, and everything they own) with a fresh copy; other users are never
touched. Meant for development databases only.
Dates are relative to the current week so deadlines lie ahead.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile
from calendars.models import Availability, Calendar, Invitee
from contacts.models import Contact

User = get_user_model()

PASSWORD = "oneonone-demo"  # noqa: S105 (the demo's published password)
OWNER = "professor"
FRIENDS = ["alice", "bob", "carol"]
STUDENTS = [f"student{i:02d}" for i in range(1, 37)]
PENDING = "dave"
FIRST_NAMES = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Gia",
    "Hugo",
    "Iris",
    "Jon",
    "Kai",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Ravi",
    "Sara",
    "Tom",
    "Uma",
    "Vic",
    "Wen",
    "Xavi",
    "Yara",
    "Zed",
    "Ana",
    "Bo",
    "Cy",
    "Dora",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jade",
]


class Command(BaseCommand):
    help = "Load a deterministic demo: users, contacts, calendars with invitees and availabilities."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo users and everything they own, then load a fresh demo.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["reset"] and User.objects.filter(username=OWNER).exists():
            self.stdout.write(
                f"Demo data already loaded (user '{OWNER}' exists); left unchanged. "
                "Use --reset to rebuild it."
            )
            self.stdout.write(f"Every demo user's password is: {PASSWORD}")
            return
        with transaction.atomic():
            summary = self.build(today=timezone.localdate())
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Every demo user's password is: {PASSWORD}")
        for line in summary:
            self.stdout.write(f"  {line}")

    def build(self, *, today: dt.date) -> list[str]:
        names = [OWNER, *FRIENDS, PENDING, *STUDENTS]
        User.objects.filter(username__in=names).delete()
        password = make_password(PASSWORD)  # hashed once: 41 users share it
        users = {}
        for index, username in enumerate(names):
            first = username.capitalize() if index < 5 else FIRST_NAMES[index - 5]
            users[username] = User.objects.create(
                username=username,
                first_name=first,
                last_name="Demo" if index < 5 else f"Student{index - 4:02d}",
                email=f"{username}@example.org",
                password=password,
            )
        Profile.objects.bulk_create([Profile(user=user) for user in users.values()])
        owner = users[OWNER]
        Contact.objects.bulk_create(
            [Contact(requester=owner, requested=users[name], accepted=True) for name in FRIENDS + STUDENTS]
            + [Contact(requester=users[PENDING], requested=owner, accepted=False)]
        )

        # Next week's Monday, at least two days ahead so the Sunday deadline is still to come.
        days_ahead = 7 - today.weekday()
        monday = today + dt.timedelta(days=days_ahead if days_ahead >= 2 else days_ahead + 7)
        office = self.office_hours(owner, [users[s] for s in STUDENTS], monday)
        thesis = self.thesis(owner, [users[f] for f in FRIENDS], monday)
        reading = Calendar.objects.create(
            owner=users["alice"],
            name="Reading group planning",
            start_date=monday,
            end_date=monday + dt.timedelta(days=2),
        )
        Invitee.objects.create(calendar=reading, invitee=owner, deadline=reading.window_end)
        return [
            f"{OWNER}: owns '{office.name}' (id {office.id}, {len(STUDENTS)} invitees, "
            f"{office.meeting_duration}-minute meetings) and '{thesis.name}' (id {thesis.id})",
            f"{', '.join(FRIENDS)}: invited to '{thesis.name}'; alice owns '{reading.name}' "
            f"(id {reading.id}) with {OWNER} invited",
            f"{PENDING}: has sent {OWNER} a friend request",
            f"{STUDENTS[0]}..{STUDENTS[-1]}: {OWNER}'s students, invited to '{office.name}'",
        ]

    def office_hours(self, owner: Any, students: list[Any], monday: dt.date) -> Calendar:
        """A week of office hours worth scheduling: the owner's 9-12 and 13-17 blocks on
        weekdays, and 36 students with one to three windows each (seeded, so always the same)."""
        calendar = Calendar.objects.create(
            owner=owner,
            name="Office hours",
            start_date=monday,
            end_date=monday + dt.timedelta(days=4),
            timezone="America/Toronto",
            meeting_duration=30,
        )
        zone = ZoneInfo(calendar.timezone)
        deadline = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(18), tzinfo=zone)
        Invitee.objects.bulk_create(
            [Invitee(calendar=calendar, invitee=s, deadline=deadline) for s in students]
        )
        rows = []
        rng = random.Random(20261203)

        def at(day: int, hour: float) -> dt.datetime:
            start = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(), tzinfo=zone)
            return start + dt.timedelta(minutes=round(hour * 60))

        for day in range(5):
            rows.append(
                Availability(
                    calendar=calendar,
                    user=owner,
                    start_period=at(day, 9),
                    end_period=at(day, 12),
                    preference=3 if day % 2 else 2,
                )
            )
            rows.append(
                Availability(
                    calendar=calendar,
                    user=owner,
                    start_period=at(day, 13),
                    end_period=at(day, 17),
                    preference=1 if day == 4 else 2,
                )
            )
        for index, student in enumerate(students):
            if index % 12 == 11:
                continue  # a few students never answer
            for _ in range(rng.randint(1, 3)):
                day = rng.randrange(5)
                start = rng.choice([8.5, 9, 9.25, 10, 11, 13, 13.5, 14, 15, 15.75, 16])
                length = rng.choice([0.5, 0.75, 1, 1.5, 2])
                rows.append(
                    Availability(
                        calendar=calendar,
                        user=student,
                        start_period=at(day, start),
                        end_period=at(day, start + length),
                        preference=rng.choice([1, 2, 2, 3]),
                    )
                )
        Availability.objects.bulk_create(rows)
        return calendar

    def thesis(self, owner: Any, friends: list[Any], monday: dt.date) -> Calendar:
        """A small calendar in UTC with hour blocks written the web client's way (hh:00-hh:59)."""
        calendar = Calendar.objects.create(
            owner=owner,
            name="Thesis check-ins",
            start_date=monday,
            end_date=monday + dt.timedelta(days=1),
            meeting_duration=60,
        )
        Invitee.objects.bulk_create(
            [Invitee(calendar=calendar, invitee=f, deadline=calendar.window_end) for f in friends]
        )

        def block(day: int, hour: int) -> tuple[dt.datetime, dt.datetime]:
            start = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour), tzinfo=dt.UTC)
            return start, start + dt.timedelta(minutes=59)

        plan = {
            owner: [(0, 14, 3), (0, 15, 3), (0, 16, 2), (1, 10, 2)],
            friends[0]: [(0, 14, 2), (0, 15, 3)],
            friends[1]: [(0, 15, 3), (0, 16, 1)],
        }  # carol has not answered yet
        Availability.objects.bulk_create(
            Availability(
                calendar=calendar,
                user=user,
                start_period=block(day, hour)[0],
                end_period=block(day, hour)[1],
                preference=pref,
            )
            for user, blocks in plan.items()
            for day, hour, pref in blocks
        )
        return calendar
