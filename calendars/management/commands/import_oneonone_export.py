"""`manage.py import_oneonone_export FILE`: bring the original OneOnOne system's data over.

FILE is a `dumpdata` JSON export of the original system, with its model and field names:
`auth.user` (username, first_name, last_name, email, is_active), `contacts.contacts`
(requester, requested, accepted), `calendars.calendar` (owner, name, start_date, end_date,
finalized), `calendars.invitee` (calendar, invitee), `calendars.availability` (calendar, user,
start_period, end_period, preference) and `calendars.meets` (calendar, meeter, start_period,
end_period). Other models are ignored (and counted in the report).

Choices, in the order they matter:
- New rows get new primary keys (the database may already hold rows); the report maps each
  original calendar to its new id. References are followed through that mapping, so a row
  whose user or calendar was not imported is skipped, with the reason.
- Passwords are not in the export: imported users get an unusable password and sign in after
  a password reset by staff.
- A username that already exists here is never merged with the existing account (an account
  someone registered here under the same name is not necessarily the same person): by default
  that user is skipped, with everything that needs them; `--on-existing rename` imports them
  as a new user named `<username>_imported` (then `_imported2`, ...). This also makes a second
  import of the same file a no-op that reports every user as existing, instead of duplicating
  the calendars. `--dry-run` runs everything and rolls it back, to read the report first.
- The original had no timezone or meeting length: calendars get `--timezone` (default the
  server's TIME_ZONE) and `--meeting-duration` minutes (default 60, the original's hour
  blocks). Dates are read in that timezone; an availability or meeting outside its calendar's
  window there is skipped.
- An invitation of the calendar's owner, a second invitation of the same user, contacts that
  repeat a pair or name one user twice, and availabilities of users who are neither the
  owner nor invited are skipped. Invitations get the deadline of the export if it has one,
  else the end of the calendar's window.
- The original's meetings (`meets`) are imported as they were stored, as the record of the
  original's schedule (one per invitee; a second one for the same invitee is skipped). They
  may have another length than the calendar's meetings or overlap: the report notes it.
Everything is imported in one transaction: an unexpected error leaves the database unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from calendars.models import Availability, Calendar, Invitee, Meet
from contacts.models import Contact

User = get_user_model()

MODELS = (
    "auth.user",
    "contacts.contacts",
    "calendars.calendar",
    "calendars.invitee",
    "calendars.availability",
    "calendars.meets",
)


class SkipRow(Exception):
    """A row that does not fit; the message says why."""


class DryRunRollback(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Report:
    created: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    calendars: list[str] = field(default_factory=list)


@dataclass
class Importer:
    """One import run: the mappings from original pks to new objects, and the report."""

    zone: ZoneInfo
    meeting_duration: int
    on_existing: str
    report: Report = field(default_factory=Report)
    users: dict[Any, Any] = field(default_factory=dict)
    calendars: dict[Any, Calendar] = field(default_factory=dict)
    invited: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))  # calendar pk -> user ids
    meets: dict[int, list[Meet]] = field(default_factory=lambda: defaultdict(list))

    # -- helpers ---------------------------------------------------------------------------

    def skip(self, label: str, reason: str) -> None:
        self.report.skipped.append(f"{label}: {reason}")

    def user(self, fields: dict[str, Any], key: str) -> Any:
        original = fields.get(key)
        if original not in self.users:
            raise SkipRow(f"{key} {original!r} was not imported")
        return self.users[original]

    def calendar(self, fields: dict[str, Any]) -> Calendar:
        original = fields.get("calendar")
        if original not in self.calendars:
            raise SkipRow(f"calendar {original!r} was not imported")
        return self.calendars[original]

    def instant(self, fields: dict[str, Any], key: str, calendar: Calendar) -> dt.datetime:
        raw = fields.get(key)
        parsed = parse_datetime(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise SkipRow(f"{key} {raw!r} is not an ISO 8601 datetime")
        if parsed.utcoffset() is None:
            parsed = parsed.replace(tzinfo=calendar.tzinfo)
        return parsed.astimezone(dt.UTC)

    def span(self, fields: dict[str, Any], calendar: Calendar) -> tuple[dt.datetime, dt.datetime]:
        start = self.instant(fields, "start_period", calendar)
        end = self.instant(fields, "end_period", calendar)
        if end <= start:
            raise SkipRow(f"it ends ({_utc(end)}) before it starts ({_utc(start)})")
        if start < calendar.window_start or end > calendar.window_end:
            raise SkipRow(
                f"{_utc(start)} to {_utc(end)} is outside the window of calendar '{calendar.name}' "
                f"({_utc(calendar.window_start)} to {_utc(calendar.window_end)}, {calendar.timezone})"
            )
        return start, end

    def each(self, rows: list[dict[str, Any]], model: str, handle: Any) -> None:
        for row in rows:
            label = f"{model} {row.get('pk')!r}"
            fields = row.get("fields")
            try:
                if not isinstance(fields, dict):
                    raise SkipRow("it has no fields")
                handle(label, row.get("pk"), fields)
            except SkipRow as exc:
                self.skip(label, str(exc))
            except ValidationError as exc:
                self.skip(label, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
            except (TypeError, ValueError) as exc:  # a value of the wrong type somewhere in the row
                self.skip(label, f"malformed row ({exc})")

    # -- models ----------------------------------------------------------------------------

    def free_username(self, username: str) -> str:
        candidate, n = f"{username}_imported", 1
        while User.objects.filter(username=candidate).exists():
            n += 1
            candidate = f"{username}_imported{n}"
        return candidate

    def add_user(self, label: str, pk: Any, fields: dict[str, Any]) -> None:
        username = fields.get("username")
        if not isinstance(username, str) or not username:
            raise SkipRow("it has no username")
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError as exc:
            raise SkipRow(f"username {username!r} is not valid here: {exc.messages[0]}") from None
        if User.objects.filter(username=username).exists():
            if self.on_existing == "skip":
                raise SkipRow(
                    f"username {username!r} already exists here; skipped with everything that needs them"
                )
            new_name = self.free_username(username)
            self.report.notes.append(
                f"{label}: username {username!r} already exists here; imported as {new_name!r}"
            )
            username = new_name
        email = str(fields.get("email") or "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.report.notes.append(f"{label}: email {email!r} is not valid; left empty")
                email = ""
        user = User(
            username=username,
            first_name=str(fields.get("first_name") or "")[:150],
            last_name=str(fields.get("last_name") or "")[:150],
            email=email,
            is_active=bool(fields.get("is_active", True)),
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        self.users[pk] = user
        self.report.created["users"] += 1

    def add_contact(self, label: str, pk: Any, fields: dict[str, Any]) -> None:
        requester, requested = self.user(fields, "requester"), self.user(fields, "requested")
        if requester.pk == requested.pk:
            raise SkipRow("a user cannot be their own contact")
        pair = Contact.objects.filter(
            requester__in=(requester, requested), requested__in=(requester, requested)
        )
        if pair.exists():
            raise SkipRow(f"{requester.username} and {requested.username} already have a contact row")
        contact = Contact(requester=requester, requested=requested, accepted=bool(fields.get("accepted")))
        contact.full_clean()
        contact.save()
        self.report.created["contacts"] += 1

    def add_calendar(self, label: str, pk: Any, fields: dict[str, Any]) -> None:
        owner = self.user(fields, "owner")
        start = parse_date(str(fields.get("start_date")))
        end = parse_date(str(fields.get("end_date")))
        if start is None or end is None:
            raise SkipRow(
                f"dates {fields.get('start_date')!r} to {fields.get('end_date')!r} are not YYYY-MM-DD"
            )
        if end < start:
            raise SkipRow(f"it ends ({end}) before it starts ({start})")
        name = str(fields.get("name") or "").strip()
        if not name:
            raise SkipRow("it has no name")
        if len(name) > 100:
            self.report.notes.append(f"{label}: name cut to 100 characters")
            name = name[:100]
        calendar = Calendar(
            owner=owner,
            name=name,
            start_date=start,
            end_date=end,
            finalized=bool(fields.get("finalized")),
            timezone=self.zone.key,
            meeting_duration=self.meeting_duration,
        )
        calendar.full_clean()
        calendar.save()
        self.calendars[pk] = calendar
        self.report.created["calendars"] += 1
        self.report.calendars.append(
            f"calendar {pk!r} -> id {calendar.pk}: '{name}' (owner {owner.username})"
        )

    def add_invitee(self, label: str, pk: Any, fields: dict[str, Any]) -> None:
        calendar, user = self.calendar(fields), self.user(fields, "invitee")
        if user.pk == calendar.owner_id:
            raise SkipRow(f"{user.username} owns calendar '{calendar.name}' and cannot be invited to it")
        if user.pk in self.invited[calendar.pk]:
            raise SkipRow(f"{user.username} is already invited to calendar '{calendar.name}'")
        deadline = calendar.window_end
        if fields.get("deadline"):
            deadline = self.instant(fields, "deadline", calendar)
        invitation = Invitee(calendar=calendar, invitee=user, deadline=deadline)
        invitation.full_clean()
        invitation.save()
        self.invited[calendar.pk].add(user.pk)
        self.report.created["invitations"] += 1

    def check_availability(self, label: str, pk: Any, fields: dict[str, Any]) -> Availability:
        calendar, user = self.calendar(fields), self.user(fields, "user")
        if user.pk != calendar.owner_id and user.pk not in self.invited[calendar.pk]:
            raise SkipRow(
                f"{user.username} is neither the owner of nor invited to calendar '{calendar.name}'"
            )
        start, end = self.span(fields, calendar)
        preference = fields.get("preference")
        if isinstance(preference, str) and preference.isdigit():
            preference = int(preference)
        if preference not in (1, 2, 3) or isinstance(preference, bool):
            raise SkipRow(f"preference {preference!r} is not 1, 2 or 3")
        return Availability(
            calendar=calendar, user=user, start_period=start, end_period=end, preference=preference
        )

    def add_meet(self, label: str, pk: Any, fields: dict[str, Any]) -> None:
        calendar, user = self.calendar(fields), self.user(fields, "meeter")
        if user.pk not in self.invited[calendar.pk]:
            raise SkipRow(f"{user.username} is not invited to calendar '{calendar.name}'")
        start, end = self.span(fields, calendar)
        if any(m.meeter_id == user.pk for m in self.meets[calendar.pk]):
            raise SkipRow(f"{user.username} already has a meeting in calendar '{calendar.name}'")
        minutes = (end - start) / dt.timedelta(minutes=1)
        if minutes != calendar.meeting_duration:
            self.report.notes.append(
                f"{label}: kept as stored, {minutes:g} minutes long (this calendar's meetings are "
                f"{calendar.meeting_duration})"
            )
        for other in self.meets[calendar.pk]:
            if start < other.end_period and other.start_period < end:
                self.report.notes.append(
                    f"{label}: overlaps {other.meeter.username}'s meeting (kept as stored)"
                )
        meet = Meet(calendar=calendar, meeter=user, start_period=start, end_period=end)
        meet.full_clean(validate_constraints=False)
        meet.save()
        self.meets[calendar.pk].append(meet)
        self.report.created["meetings"] += 1

    def run(self, rows: list[dict[str, Any]]) -> None:
        by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            model = row.get("model") if isinstance(row, dict) else None
            by_model[str(model).lower()].append(row)
        for model in sorted(set(by_model) - set(MODELS)):
            self.report.notes.append(f"{len(by_model[model])} rows of {model} ignored (not part of OneOnOne)")
        self.each(sorted(by_model["auth.user"], key=_pk_order), "auth.user", self.add_user)
        self.each(sorted(by_model["contacts.contacts"], key=_pk_order), "contacts.contacts", self.add_contact)
        self.each(
            sorted(by_model["calendars.calendar"], key=_pk_order), "calendars.calendar", self.add_calendar
        )
        self.each(sorted(by_model["calendars.invitee"], key=_pk_order), "calendars.invitee", self.add_invitee)
        windows: list[Availability] = []
        self.each(
            sorted(by_model["calendars.availability"], key=_pk_order),
            "calendars.availability",
            lambda label, pk, fields: windows.append(self.check_availability(label, pk, fields)),
        )
        Availability.objects.bulk_create(windows)
        self.report.created["availabilities"] += len(windows)
        self.each(sorted(by_model["calendars.meets"], key=_pk_order), "calendars.meets", self.add_meet)


def _pk_order(row: dict[str, Any]) -> tuple[int, int, str]:
    """Rows in original pk order (integers first), so the report reads like the export."""
    pk = row.get("pk") if isinstance(row, dict) else None
    return (0, pk, "") if isinstance(pk, int) else (1, 0, str(pk))


class Command(BaseCommand):
    help = "Import a dumpdata JSON export of the original OneOnOne system (see the module docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the export (a JSON array of dumpdata rows)")
        parser.add_argument(
            "--timezone",
            default=settings.TIME_ZONE,
            help="IANA timezone of the imported calendars (default: the server's TIME_ZONE)",
        )
        parser.add_argument(
            "--meeting-duration",
            type=int,
            default=60,
            help="meeting length in minutes for the imported calendars (default 60, the original's hour)",
        )
        parser.add_argument(
            "--on-existing",
            choices=["skip", "rename"],
            default="skip",
            help="a username that exists here: skip that user and what needs them (default), or "
            "import them as <username>_imported",
        )
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = self.read(options["file"])
        try:
            zone = ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown timezone {options['timezone']!r}") from None
        duration = options["meeting_duration"]
        if not (5 <= duration <= 480 and duration % 5 == 0):
            raise CommandError("--meeting-duration must be 5 to 480 minutes, a multiple of 5")
        importer = Importer(zone=zone, meeting_duration=duration, on_existing=options["on_existing"])
        try:
            with transaction.atomic():
                importer.run(rows)
                if options["dry_run"]:
                    raise DryRunRollback()
        except DryRunRollback:
            pass
        self.print_report(options["file"], importer, dry_run=options["dry_run"])

    def read(self, path: Path) -> list[dict[str, Any]]:
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except ValueError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from None
        if not isinstance(rows, list):
            raise CommandError(f"{path} is not a dumpdata export (a JSON array of rows)")
        return rows

    def print_report(self, path: Path, importer: Importer, *, dry_run: bool) -> None:
        report, write = importer.report, self.stdout.write
        write(f"Import of {path} (timezone {importer.zone.key}, {importer.meeting_duration}-minute meetings)")
        kinds = ("users", "contacts", "calendars", "invitations", "availabilities", "meetings")
        verb = "Would create" if dry_run else "Created"
        write(f"{verb}: " + ", ".join(f"{report.created[k]} {k}" for k in kinds))
        for line in report.calendars:
            write(f"  {line}")
        write(f"Skipped: {len(report.skipped)}")
        for line in report.skipped:
            write(f"  {line}")
        write(f"Notes: {len(report.notes)}")
        for line in report.notes:
            write(f"  {line}")
        if dry_run:
            write("Dry run: nothing was saved.")
        elif any(report.created.values()):
            write("Imported users have no usable password: set one in the admin or by a password reset.")
            write(self.style.SUCCESS("Done."))
