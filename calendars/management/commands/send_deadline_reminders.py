"""`manage.py send_deadline_reminders [--within HOURS] [--dry-run]`: email each invitee who has
not given availability that their deadline is near.

Meant for cron, every few minutes (e.g. `*/10 * * * * .../manage.py send_deadline_reminders`).
Due: the calendar is not finalized, the deadline is in the future and at most `--within` hours
away (default `REMINDER_WINDOW_HOURS`, 24), the invitee has no availability in the calendar,
has an email address and has not opted out (`calendars.notifications.deadline_reminders_due`).

Idempotent: each deadline gets one reminder. A reminder is claimed before it is sent with a
conditional UPDATE of `Invitee.reminder_sent_at`, so two runs at the same time never send the
same one twice; a send that fails gives its claim back and a later run retries it. When the
owner moves a deadline later, the invitee is reminded again once the new deadline is within
the window (unless the earlier reminder was already sent within it).

Prints one line per reminder (sent, or that would be sent with `--dry-run`) and a summary;
exits non-zero if any send failed.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from calendars import notifications
from calendars.models import Invitee


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Command(BaseCommand):
    help = "Email invitees without availability whose deadline is near (idempotent; run it from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--within",
            type=float,
            metavar="HOURS",
            default=None,
            help="Remind when the deadline is at most this many hours away "
            "(default: the REMINDER_WINDOW_HOURS setting, 24).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the reminders that are due; send and record nothing."
        )

    def handle(self, *args: Any, within: float | None, dry_run: bool, **options: Any) -> None:
        hours = settings.REMINDER_WINDOW_HOURS if within is None else within
        if not hours > 0:
            raise CommandError("--within must be a positive number of hours.")
        window = dt.timedelta(hours=hours)
        now = timezone.now()
        due = list(notifications.deadline_reminders_due(now=now, window=window))
        if dry_run:
            for invitation in due:
                self.stdout.write(f"Would remind {self._describe(invitation)}")
            self.stdout.write(f"Dry run: {len(due)} reminder(s) due within {hours:g} hours; nothing sent.")
            return
        if not due:
            self.stdout.write(f"No reminders due within {hours:g} hours.")
            return
        sent, failed = self._send(due, now)
        self.stdout.write(f"Sent {sent} reminder(s) for deadlines within {hours:g} hours.")
        if failed:
            raise CommandError(f"{failed} reminder(s) could not be sent; the next run retries them.")

    def _send(self, due: list[Invitee], now: dt.datetime) -> tuple[int, int]:
        """Claim and send each reminder over one connection; (sent, failed)."""
        connection = get_connection()
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as exc:
            raise CommandError(f"Cannot reach the mail server: {exc}") from exc
        sent = failed = 0
        try:
            for invitation in due:
                try:
                    claimed = notifications.deadline_reminder_send(
                        invitation=invitation, now=now, connection=connection
                    )
                except notifications.EmailDeliveryFailed as exc:
                    failed += 1
                    self.stderr.write(f"Failed to remind {self._describe(invitation)}: {exc}")
                    continue
                if claimed:
                    sent += 1
                    self.stdout.write(f"Reminded {self._describe(invitation)}")
                else:
                    self.stdout.write(f"Skipped {self._describe(invitation)}: another run reminded them")
        finally:
            connection.close()
        return sent, failed

    @staticmethod
    def _describe(invitation: Invitee) -> str:
        user, calendar = invitation.invitee, invitation.calendar
        return (
            f"{user.username} <{user.email}> about \u201c{calendar.name}\u201d "
            f"(calendar {calendar.pk}, deadline {_utc(invitation.deadline)})"
        )
