"""Calendars, their invitations, availability windows and scheduled meetings."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models.functions import Mod
from django.db.models.lookups import Exact


class Calendar(models.Model):
    """A date range (inclusive, in `timezone`) in which an owner meets each invitee once."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendars"
    )
    name = models.CharField(max_length=100)
    start_date = models.DateField()
    end_date = models.DateField()
    finalized = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, default="UTC")
    meeting_duration = models.PositiveSmallIntegerField(default=30, help_text="Minutes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="calendar_start_not_after_end",
            ),
            models.CheckConstraint(
                condition=models.Q(meeting_duration__gte=5, meeting_duration__lte=480)
                & Exact(Mod("meeting_duration", 5), 0),
                name="calendar_meeting_duration_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def window_start(self) -> dt.datetime:
        """00:00 of `start_date` in the calendar's timezone, as an aware datetime."""
        return dt.datetime.combine(self.start_date, dt.time(), tzinfo=self.tzinfo)

    @property
    def window_end(self) -> dt.datetime:
        """00:00 after `end_date` in the calendar's timezone (the window is end-exclusive)."""
        return dt.datetime.combine(
            self.end_date + dt.timedelta(days=1), dt.time(), tzinfo=self.tzinfo
        )


class Invitee(models.Model):
    """An invitation of one user to one calendar, with a deadline for availability."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="invitees")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # When the last deadline reminder went out (keeps `send_deadline_reminders` idempotent).
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "invitee"], name="invitee_once_per_calendar"),
        ]

    def __str__(self) -> str:
        return f"{self.invitee} in {self.calendar}"


class Preference(models.IntegerChoices):
    NOT_PREFERRED = 1, "Not preferred"
    PREFERRED = 2, "Preferred"
    HIGHLY_PREFERRED = 3, "Highly preferred"


class Availability(models.Model):
    """A window `[start_period, end_period)` in which `user` can meet, with a preference."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="availabilities")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availabilities"
    )
    start_period = models.DateTimeField()
    end_period = models.DateTimeField()
    preference = models.PositiveSmallIntegerField(
        choices=Preference.choices, default=Preference.PREFERRED
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "availabilities"
        indexes = [models.Index(fields=["calendar", "user"], name="availability_calendar_user")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_period__lt=models.F("end_period")),
                name="availability_start_before_end",
            ),
            models.CheckConstraint(
                condition=models.Q(preference__gte=1, preference__lte=3),
                name="availability_preference_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.start_period:%Y-%m-%d %H:%M}–{self.end_period:%H:%M}"


class Meet(models.Model):
    """One scheduled meeting of the calendar's owner with one invitee (`meeter`)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="meets")
    meeter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meets"
    )
    start_period = models.DateTimeField()
    end_period = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_period__lt=models.F("end_period")),
                name="meet_start_before_end",
            ),
            models.UniqueConstraint(fields=["calendar", "meeter"], name="meet_once_per_meeter"),
        ]

    def __str__(self) -> str:
        return f"{self.meeter} at {self.start_period:%Y-%m-%d %H:%M} ({self.calendar})"
