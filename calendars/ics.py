"""The meetings of a calendar as an iCalendar document (RFC 5545), built with `icalendar`.

Used by `GET /calendars/{calendar_id}/schedule/ics` and for the `.ics` attachment of the
schedule emails. What calendar applications rely on when the same file is imported again:

- `UID` is `meet-<calendar id>-<meeter id>@<host of FRONTEND_URL>`: one meeting per invitee per
  calendar, so the pair names it across regenerations and owner edits (the `Meet` row id does
  not: every schedule write replaces the rows). A re-import updates the event in place.
- `SEQUENCE` grows with every change an application must take over: each schedule write
  inserts new rows with higher ids, and finalizing turns a `TENTATIVE` event `CONFIRMED`, so
  it is `2 * <row id> + <1 once finalized>`. `DTSTAMP` is when the document was made; there
  is no `LAST-MODIFIED`, because a meeting's row does not record when it last changed.
- `DTSTART`/`DTEND` are UTC (`...Z`); applications show them in the reader's own zone.
- `SUMMARY` is the calendar's name and the other person ("Office hours with Carol Smith");
  `ORGANIZER` is the owner, `ATTENDEE`s the owner and the meeter, as `mailto:` addresses (a
  user without an email address is left out of those rather than given a made-up one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event, vCalAddress, vText

from calendars.models import Calendar, Meet

PRODID = "-//OneOnOne//OneOnOne API//EN"
MEDIA_TYPE = "text/calendar"


def display_name(user: Any) -> str:
    """The user's full name, or their username when they have none."""
    return user.get_full_name() or user.username


def web_url(calendar: Calendar) -> str:
    """The calendar's page in the web client (`FRONTEND_URL` + `/calendars/<id>`)."""
    return f"{settings.FRONTEND_URL.rstrip('/')}/calendars/{calendar.pk}"


def uid_domain() -> str:
    """The right-hand side of every UID: the web client's host, which names this deployment."""
    return urlsplit(settings.FRONTEND_URL).hostname or "oneonone.invalid"


def meeting_uid(*, calendar_id: int, meeter_id: int) -> str:
    """The UID of the meeting of `meeter_id` in `calendar_id`, the same for every version."""
    return f"meet-{calendar_id}-{meeter_id}@{uid_domain()}"


def filename(calendar: Calendar) -> str:
    """The file name for downloads and attachments."""
    return f"oneonone-calendar-{calendar.pk}.ics"


def _address(user: Any, role: str | None = None) -> vCalAddress | None:
    if not user.email:
        return None
    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(display_name(user))
    if role:
        address.params["role"] = vText(role)
    return address


def _event(calendar: Calendar, meet: Meet, viewer: Any, stamp: dt.datetime) -> Event:
    owner, meeter = calendar.owner, meet.meeter
    other = meeter if viewer.pk == owner.pk else owner
    event = Event()
    event.add("uid", meeting_uid(calendar_id=calendar.pk, meeter_id=meet.meeter_id))
    event.add("dtstamp", stamp)
    event.add("dtstart", meet.start_period.astimezone(dt.UTC))
    event.add("dtend", meet.end_period.astimezone(dt.UTC))
    event.add("sequence", 2 * meet.pk + int(calendar.finalized))
    event.add("status", "CONFIRMED" if calendar.finalized else "TENTATIVE")
    event.add("summary", f"{calendar.name} with {display_name(other)}")
    event.add(
        "description",
        f"One-on-one of {display_name(owner)} and {display_name(meeter)} "
        f"for the calendar \u201c{calendar.name}\u201d.\n{web_url(calendar)}",
    )
    event.add("url", web_url(calendar))
    organizer = _address(owner)
    if organizer is not None:
        event.add("organizer", organizer)
    for person in (owner, meeter):
        attendee = _address(person, role="REQ-PARTICIPANT")
        if attendee is not None:
            event.add("attendee", attendee)
    return event


def calendar_document(
    *, calendar: Calendar, meets: Iterable[Meet], viewer: Any, stamp: dt.datetime | None = None
) -> bytes:
    """The iCalendar document (UTF-8 bytes, CRLF lines) of `meets`, as `viewer` sees them.

    `calendar.owner` and each meet's `meeter` should be loaded already (`select_related`): no
    query is made here. `viewer` (the owner or a meeter) decides who "the other person" in each
    summary is. No meetings give a valid document without any VEVENT. `stamp` (default now) is
    the DTSTAMP.
    """
    stamp = (stamp or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    document = ICalendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    # As text values explicitly: `icalendar` would not escape a newline in these two.
    document.add("name", vText(calendar.name))
    document.add("x-wr-calname", vText(calendar.name))
    for meet in meets:
        document.add_component(_event(calendar, meet, viewer, stamp))
    return document.to_ical()
