"""`manage.py import_doodle_csv FILE --calendar ID --week-of DATE`: a Doodle poll as availability.

FILE is a Doodle CSV export of a weekly poll: a header row of options such as
`Mondays 10:00-10:50am` (also `Mon 10:00-10:50am`, `Wednesday 3:30-4:20pm`, or 24-hour
`Tue 14:00-14:50`), then one row per respondent (their name, then a mark under each option),
and usually a final `Count` row (ignored). Rows above the header (title, URL) are ignored.

What it creates in calendar ID, for the week (Monday to Sunday) that contains DATE:
- each option becomes a window of the calendar's owner on that weekday, preference 2;
- each respondent becomes an invitee: an invitee of the calendar whose username or full name
  equals the respondent's name (ignoring case), else a placeholder user named
  `doodle<calendar id>-<name>` (the name's letters and digits, lower case; `-2`, `-3`, ...
  for a name that repeats in the file). Placeholders get an unusable password and no email,
  and are made an accepted contact of the owner (invitations are for contacts). A respondent
  whose placeholder name belongs to a real account (one with a password) is skipped;
- each `OK` (or `Yes`) becomes a window of that invitee for the option, preference 2, and
  `(OK)` (or `If need be`) preference 1. An empty cell (or `No`) gives nothing; a respondent
  with no mark at all is still invited (and will be reported `no_availability`).
Times are read in `--timezone` (default the calendar's timezone). Options that fall outside
the calendar's window are skipped and reported; if none fit, nothing is imported.

Running it again with the same file and week changes nothing: it finds the same invitees
and does not repeat a window that already exists (same user, start and end). `--dry-run`
reports without saving. The calendar must not be finalized.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from calendars.models import Availability, Calendar, Invitee, Preference
from contacts.models import Contact

User = get_user_model()

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPTION = re.compile(
    r"^(?P<day>mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+"
    r"(?P<start>\d{1,2}(?::\d{2})?)\s*(?P<start_half>[ap]\.?m\.?)?\s*[-\u2013\u2014]\s*"
    r"(?P<end>\d{1,2}(?::\d{2})?)\s*(?P<end_half>[ap]\.?m\.?)?$",
    re.IGNORECASE,
)
YES = {"ok", "yes", "y"}
IF_NEED_BE = {"(ok)", "(yes)", "if need be", "ifneedbe", "(y)"}
NO = {"", "no", "n"}


class DryRunRollback(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


@dataclass(frozen=True)
class Option:
    label: str
    start: dt.datetime
    end: dt.datetime


@dataclass
class Summary:
    lines: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _clock(text: str, half: str | None) -> dt.time:
    hour, _, minute = text.partition(":")
    h, m = int(hour), int(minute or 0)
    if half is not None:
        if not 1 <= h <= 12:
            raise ValueError(f"{text}{half} is not a 12-hour time")
        h = h % 12 + (12 if half.lower().startswith("p") else 0)
    return dt.time(h, m)  # raises ValueError for 25:00 or 10:75


def parse_option(label: str) -> tuple[int, dt.time, dt.time]:
    """`"Mondays 3:30-4:20pm"` -> (0, 15:30, 16:20). A start without am/pm takes the end's,
    unless that puts it after the end (`11:00-12:50pm` starts at 11 am)."""
    match = OPTION.match(label.strip())
    if match is None:
        raise ValueError(f"{label!r} is not a weekly option like 'Mondays 10:00-10:50am'")
    end_half, start_half = match["end_half"], match["start_half"]
    end = _clock(match["end"], end_half)
    if start_half is None and end_half is not None:
        start = _clock(match["start"], end_half)
        if start >= end:
            start = _clock(match["start"], "am")
    else:
        start = _clock(match["start"], start_half)
    if start >= end:
        raise ValueError(f"{label!r} ends before it starts")
    return DAYS.index(match["day"].lower()[:3]), start, end


def _local(day: dt.date, clock: dt.time, zone: ZoneInfo, label: str) -> dt.datetime:
    value = dt.datetime.combine(day, clock, tzinfo=zone)
    if value.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value.replace(tzinfo=None):
        raise CommandError(f"{label}: {value:%Y-%m-%d %H:%M} does not exist in {zone.key} (DST)")
    if value.utcoffset() != value.replace(fold=1).utcoffset():
        raise CommandError(f"{label}: {value:%Y-%m-%d %H:%M} happens twice in {zone.key} (DST)")
    return value.astimezone(dt.UTC)


def _mark(cell: str) -> int | None:
    """The preference a cell gives, None for none; ValueError for a mark it does not know."""
    text = " ".join(cell.split()).lower()
    if text in YES:
        return Preference.PREFERRED
    if text in IF_NEED_BE:
        return Preference.NOT_PREFERRED
    if text in NO:
        return None
    raise ValueError(f"unknown mark {cell!r}")


def placeholder_username(calendar: Calendar, name: str, taken: set[str]) -> str:
    """`doodle<calendar id>-<letters and digits of name>`, made unique within one file."""
    slug = re.sub(r"[^a-z0-9]", "", name.lower()) or "respondent"
    base = f"doodle{calendar.pk}-{slug}"[:140]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


class Command(BaseCommand):
    help = "Turn a Doodle poll CSV export into availabilities of a calendar (see the module docstring)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the Doodle CSV export")
        parser.add_argument("--calendar", type=int, required=True, help="the calendar's id")
        parser.add_argument(
            "--week-of",
            type=dt.date.fromisoformat,
            required=True,
            help="a date (YYYY-MM-DD) in the week the weekly options are for",
        )
        parser.add_argument("--timezone", help="IANA timezone of the poll's times (default: the calendar's)")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = Calendar.objects.select_related("owner").filter(pk=options["calendar"]).first()
        if calendar is None:
            raise CommandError(f"There is no calendar {options['calendar']}")
        if calendar.finalized:
            raise CommandError(f"Calendar {calendar.pk} is finalized")
        try:
            zone = ZoneInfo(options["timezone"] or calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"Unknown timezone {options['timezone']!r}") from None
        header, respondents = self.read(options["file"])
        monday = options["week_of"] - dt.timedelta(days=options["week_of"].weekday())
        summary = Summary()
        columns = self.options(header, calendar, monday, zone, summary)
        try:
            with transaction.atomic():
                self.owner_windows(calendar, columns, summary)
                self.respondents(calendar, columns, respondents, summary)
                if options["dry_run"]:
                    raise DryRunRollback()
        except DryRunRollback:
            pass
        self.print_summary(calendar, monday, zone, summary, dry_run=options["dry_run"])

    # -- reading ---------------------------------------------------------------------------

    def read(self, path: Path) -> tuple[list[str], list[list[str]]]:
        """The header row (the first with an option in it) and the respondent rows after it."""
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = [row for row in csv.reader(handle)]
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{path} is not a readable CSV file: {exc}") from None
        for index, row in enumerate(rows):
            if any(OPTION.match(cell.strip()) for cell in row[1:]):
                body = []
                for line in rows[index + 1 :]:
                    if line and line[0].strip().lower() == "count":
                        break
                    if any(cell.strip() for cell in line):
                        body.append(line)
                return row, body
        raise CommandError(f"{path}: no row of options like 'Mondays 10:00-10:50am' found")

    def options(
        self, header: list[str], calendar: Calendar, monday: dt.date, zone: ZoneInfo, summary: Summary
    ) -> dict[int, Option]:
        """Column index -> the option's instant range, for the options inside the calendar."""
        columns: dict[int, Option] = {}
        for index, label in enumerate(header):
            if index == 0 or not label.strip():
                continue
            try:
                weekday, start, end = parse_option(label)
            except ValueError as exc:
                raise CommandError(f"Column {index + 1}: {exc}") from None
            day = monday + dt.timedelta(days=weekday)
            option = Option(label.strip(), _local(day, start, zone, label), _local(day, end, zone, label))
            if option.start < calendar.window_start or option.end > calendar.window_end:
                summary.skipped.append(
                    f"option {option.label!r} ({day}) is outside calendar {calendar.pk}'s window "
                    f"({calendar.start_date} to {calendar.end_date}); skipped with its marks"
                )
                continue
            columns[index] = option
        if not columns:
            raise CommandError(
                f"None of the options falls inside calendar {calendar.pk} ({calendar.start_date} to "
                f"{calendar.end_date}) in the week of {monday}"
            )
        return columns

    # -- writing ---------------------------------------------------------------------------

    def add_window(
        self, calendar: Calendar, user: Any, option: Option, preference: int, summary: Summary
    ) -> None:
        window = Availability.objects.filter(
            calendar=calendar, user=user, start_period=option.start, end_period=option.end
        )
        if window.exists():
            summary.add("windows already there")
            return
        Availability.objects.create(
            calendar=calendar,
            user=user,
            start_period=option.start,
            end_period=option.end,
            preference=preference,
        )
        summary.add("owner windows" if user.pk == calendar.owner_id else "invitee windows")

    def owner_windows(self, calendar: Calendar, columns: dict[int, Option], summary: Summary) -> None:
        for option in columns.values():
            self.add_window(calendar, calendar.owner, option, Preference.PREFERRED, summary)

    def invitee_for(
        self, calendar: Calendar, name: str, invitees: list[Any], taken: set[str], summary: Summary
    ) -> Any | None:
        """The matching invitee not matched yet (`invitees` lists them; the match is removed),
        or the respondent's placeholder (created, made a contact and invited if new)."""
        wanted = " ".join(name.split()).lower()
        for user in invitees:
            if wanted in (user.username.lower(), " ".join(user.get_full_name().split()).lower()):
                invitees.remove(user)
                taken.add(user.username)
                summary.add("matched invitees")
                return user
        username = placeholder_username(calendar, name, taken)
        user = User.objects.filter(username=username).first()
        if user is not None and user.has_usable_password():
            summary.skipped.append(f"respondent {name!r}: {username!r} is a real account here; skipped")
            return None
        if user is None:
            user = User(username=username, first_name=name.strip()[:150])
            user.set_unusable_password()
            user.full_clean()
            user.save()
            summary.add("placeholder users")
        pair = Contact.objects.filter(
            requester__in=(user, calendar.owner), requested__in=(user, calendar.owner)
        ).first()
        if pair is None:
            Contact.objects.create(requester=calendar.owner, requested=user, accepted=True)
            summary.add("contacts")
        if not calendar.invitees.filter(invitee=user).exists():
            Invitee.objects.create(calendar=calendar, invitee=user, deadline=calendar.window_end)
            summary.add("invitations")
        return user

    def respondents(
        self, calendar: Calendar, columns: dict[int, Option], rows: list[list[str]], summary: Summary
    ) -> None:
        taken: set[str] = set()
        invitees = [invitation.invitee for invitation in calendar.invitees.select_related("invitee")]
        for row in rows:
            name = row[0].strip() if row else ""
            if not name:
                summary.skipped.append(f"a row without a name: {row!r}")
                continue
            marks: list[tuple[Option, int]] = []
            for index, option in columns.items():
                cell = row[index] if index < len(row) else ""
                try:
                    preference = _mark(cell)
                except ValueError as exc:
                    summary.skipped.append(f"respondent {name!r}, {option.label!r}: {exc}")
                    continue
                if preference is not None:
                    marks.append((option, preference))
            user = self.invitee_for(calendar, name, invitees, taken, summary)
            if user is None:
                continue
            summary.add("respondents")
            if not marks:
                summary.add("respondents without any mark")
            for option, preference in marks:
                self.add_window(calendar, user, option, preference, summary)

    def print_summary(
        self, calendar: Calendar, monday: dt.date, zone: ZoneInfo, summary: Summary, *, dry_run: bool
    ) -> None:
        write = self.stdout.write
        write(f"Doodle import into calendar {calendar.pk} '{calendar.name}'")
        write(f"Week of {monday}, times in {zone.key}")
        for key in (
            "owner windows",
            "respondents",
            "respondents without any mark",
            "matched invitees",
            "placeholder users",
            "contacts",
            "invitations",
            "invitee windows",
            "windows already there",
        ):
            write(f"  {key}: {summary.counts.get(key, 0)}")
        write(f"Skipped: {len(summary.skipped)}")
        for line in summary.skipped:
            write(f"  {line}")
        write("Dry run: nothing was saved." if dry_run else self.style.SUCCESS("Done."))
