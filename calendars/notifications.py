"""Every email OneOnOne sends, rendered from `calendars/templates/emails/` and sent through
Django's email framework (`EMAIL_BACKEND`: console by default, SMTP when configured).

Rules that hold for every email:
- one message per recipient (nobody sees anyone else's address), with a plain-text body and
  an HTML alternative, naming the calendar and its owner, giving times in the calendar's
  timezone, and linking to the calendar in the web client (`FRONTEND_URL`);
- nothing goes to a user who opted out (`Profile.email_notifications` false; a user without a
  profile row has the default, opted in) or who has no email address: they are counted as
  skipped, with the reason, in the returned `Delivery`;
- event notifications (an invitation created or removed, a calendar finalized) are queued with
  `send_after_commit`, so they go out only once the write they report is committed, never for
  a write that rolled back, and a failing mail server never turns a committed write into an
  error.

Who gets what:
- reminders (`remind_invitee`, `remind_pending`, `deadline_reminder_send`): the invitee;
- `invitation_created`: the invitee; `invitation_removed`: the invitee when the owner removed
  them, the owner when the invitee declined;
- `send_schedule` / `schedule_finalized`: each meeter their meeting and the owner every
  meeting, with an `.ics` attachment (`calendars.ics`); invitees without a meeting get none.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import formataddr
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from calendars import ics, selectors
from calendars.models import Availability, Calendar, Invitee, Meet
from oneonone.errors import DeadlinePassed, DomainError

logger = logging.getLogger(__name__)
User = get_user_model()

OPTED_OUT = "opted out of email"
NO_ADDRESS = "without an email address"
PAST_DEADLINE = "past their deadline"
SKIP_REASONS = (OPTED_OUT, NO_ADDRESS, PAST_DEADLINE)  # the order `Delivery.summary` lists them in


class EmailDeliveryFailed(Exception):
    """The email backend could not be reached or refused the messages (HTTP 503 in the API)."""


class ScheduleNotFinal(DomainError):
    """Sending the schedule of a calendar that is not finalized yet (HTTP 400 `{"detail"}`)."""

    default_message = "Calendar is not finalized"


@dataclass
class Delivery:
    """What a send did: messages handed to the backend, and recipients skipped by reason."""

    sent: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self, noun: str) -> str:
        """E.g. "Sent 2 reminders; skipped 1 opted out of email, 1 past their deadline."."""
        text = f"Sent {self.sent} {noun}{'' if self.sent == 1 else 's'}"
        if self.skipped:
            counts = [(reason, self.skipped[reason]) for reason in SKIP_REASONS if self.skipped[reason]]
            text += "; skipped " + ", ".join(f"{count} {reason}" for reason, count in counts)
        return text + "."


@dataclass(frozen=True)
class _Outgoing:
    recipient: Any
    kind: str  # the template name under emails/
    context: dict[str, Any]
    attachment: bytes | None = None
    attachment_name: str = ""


# Queueing -------------------------------------------------------------------------------------


def send_after_commit(notify: Callable[..., Any], **kwargs: Any) -> None:
    """Call `notify(**kwargs)` once the current transaction commits (at once outside one).

    Never called if the transaction rolls back. `robust`: an error in it (the mail server is
    down) is logged by Django and does not reach the request whose write already committed.
    """

    def send() -> None:
        notify(**kwargs)

    # Django logs a failing robust callback by its __qualname__ (a `partial` has none).
    send.__qualname__ = f"notifications.{notify.__name__}"
    transaction.on_commit(send, robust=True)


# Rendering -----------------------------------------------------------------------------------


def _refusal(user: Any) -> str | None:
    """Why `user` gets no email, or None if they get it. Reads `user.profile` (select it)."""
    if not user.email:
        return NO_ADDRESS
    try:
        opted_in = user.profile.email_notifications
    except ObjectDoesNotExist:  # no profile row yet: the default, opted in
        return None
    return None if opted_in else OPTED_OUT


def local_time(moment: dt.datetime, calendar: Calendar) -> str:
    """`moment` in the calendar's timezone, e.g. "Friday 5 April 2030, 17:00 (Europe/Berlin)"."""
    local = moment.astimezone(calendar.tzinfo)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({calendar.timezone})"


def _meeting_time(meet: Meet, calendar: Calendar) -> str:
    start, end = meet.start_period.astimezone(calendar.tzinfo), meet.end_period.astimezone(calendar.tzinfo)
    return f"{start:%A} {start.day} {start:%B %Y, %H:%M}\u2013{end:%H:%M}"


def _dates(calendar: Calendar) -> str:
    start, end = calendar.start_date, calendar.end_date
    first = f"{start.day} {start:%B %Y}"
    return first if start == end else f"{first} to {end.day} {end:%B %Y}"


def _calendar_context(calendar: Calendar) -> dict[str, Any]:
    return {
        "calendar_name": calendar.name,
        "calendar_dates": _dates(calendar),
        "owner_name": ics.display_name(calendar.owner),
        "timezone": calendar.timezone,
        "meeting_duration": calendar.meeting_duration,
        "link": ics.web_url(calendar),
    }


def render_message(outgoing: _Outgoing) -> EmailMultiAlternatives:
    """One message to one recipient: subject, text body, HTML alternative, optional `.ics`."""
    recipient = outgoing.recipient
    context = {**outgoing.context, "recipient_name": ics.display_name(recipient)}
    # A subject is one line whatever a calendar name holds (a newline would be header injection).
    subject = " ".join(render_to_string(f"emails/{outgoing.kind}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{outgoing.kind}.txt", context),
        to=[formataddr((ics.display_name(recipient), recipient.email))],
    )
    message.attach_alternative(render_to_string(f"emails/{outgoing.kind}.html", context), "text/html")
    if outgoing.attachment is not None:
        message.attach(outgoing.attachment_name, outgoing.attachment, ics.MEDIA_TYPE)
    return message


def _deliver(
    outgoing: Sequence[_Outgoing], delivery: Delivery | None = None, connection: Any = None
) -> Delivery:
    """Render and send one message per recipient who wants email; count the others as skipped.

    The messages go through one backend connection. Raises `EmailDeliveryFailed` if the
    backend fails (some messages may have gone out before it did).
    """
    delivery = delivery or Delivery()
    messages = []
    for item in outgoing:
        refusal = _refusal(item.recipient)
        if refusal is None:
            messages.append(render_message(item))
        else:
            delivery.skipped[refusal] += 1
    if messages:
        try:
            delivery.sent += (connection or get_connection()).send_messages(messages) or 0
        except (smtplib.SMTPException, OSError) as exc:
            logger.exception("Sending %d email(s) failed", len(messages))
            raise EmailDeliveryFailed(str(exc)) from exc
    return delivery


# Reminders -----------------------------------------------------------------------------------


def _reminder(invitation: Invitee) -> _Outgoing:
    calendar = invitation.calendar
    context = {**_calendar_context(calendar), "deadline": local_time(invitation.deadline, calendar)}
    return _Outgoing(invitation.invitee, "reminder", context)


def remind_invitee(*, invitation: Invitee, connection: Any = None) -> Delivery:
    """Remind the invitee of `invitation` to add availability (whether or not they have some).

    Load `invitation` with `calendar__owner` and `invitee__profile`. Raises `DeadlinePassed`
    (410) once the deadline has passed: they could no longer act on it; the owner can move the
    deadline first. Does not touch `reminder_sent_at`, which belongs to the automatic reminder.
    """
    if invitation.deadline <= timezone.now():
        raise DeadlinePassed()
    return _deliver([_reminder(invitation)], connection=connection)


def remind_pending(*, calendar: Calendar) -> Delivery:
    """Remind every invitee of `calendar` who has not given any availability yet.

    Invitees whose deadline has passed are skipped (`PAST_DEADLINE`), as are opted-out users.
    One query (the invitations with their users, profiles and availability status); load
    `calendar` with `owner`.
    """
    now = timezone.now()
    delivery = Delivery()
    outgoing = []
    invitations = selectors.invitees_with_status(calendar=calendar).select_related("invitee__profile")
    for invitation in invitations:
        if invitation.has_availability:  # type: ignore[attr-defined]
            continue
        if invitation.deadline <= now:
            delivery.skipped[PAST_DEADLINE] += 1
        else:
            outgoing.append(_reminder(invitation))
    return _deliver(outgoing, delivery)


# Invitations ---------------------------------------------------------------------------------


def invitation_created(*, invitation_id: int) -> Delivery:
    """Tell the invitee they were invited (deadline, duration, link). Nothing if the
    invitation is gone by the time this runs."""
    invitation = (
        Invitee.objects.select_related("calendar__owner", "invitee__profile").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return Delivery()
    calendar = invitation.calendar
    context = {**_calendar_context(calendar), "deadline": local_time(invitation.deadline, calendar)}
    return _deliver([_Outgoing(invitation.invitee, "invitation_created", context)])


def invitation_removed(*, calendar_id: int, invitee_id: int, declined: bool) -> Delivery:
    """An invitation was deleted: tell the invitee if the owner removed them, or the owner if
    the invitee declined. Nothing if the calendar (or the user) is gone by then."""
    calendar = Calendar.objects.select_related("owner__profile").filter(pk=calendar_id).first()
    invitee = User.objects.select_related("profile").filter(pk=invitee_id).first()
    if calendar is None or invitee is None:
        return Delivery()
    context = {**_calendar_context(calendar), "invitee_name": ics.display_name(invitee)}
    if declined:
        return _deliver([_Outgoing(calendar.owner, "invitation_declined", context)])
    return _deliver([_Outgoing(invitee, "invitation_removed", context)])


# The schedule --------------------------------------------------------------------------------


def send_schedule(*, calendar: Calendar) -> Delivery:
    """Send each meeter their meeting and the owner all of them, each with an `.ics` file.

    The owner's message says so when no meeting was scheduled (and has no attachment then).
    Raises `ScheduleNotFinal` unless the calendar is finalized: until then the schedule may
    still change, and the emails would announce meetings that might not happen. Two queries:
    the meetings with their meeters and profiles, and the owner's profile (unless `calendar`
    was loaded with `owner__profile`).
    """
    if not calendar.finalized:
        raise ScheduleNotFinal()
    meets = list(calendar.meets.select_related("meeter__profile").order_by("start_period", "id"))
    owner = calendar.owner
    base = _calendar_context(calendar)
    name = ics.filename(calendar)
    outgoing = []
    for meet in meets:
        meeting = {"when": _meeting_time(meet, calendar), "with": base["owner_name"]}
        context = {**base, "meetings": [meeting], "attachment_name": name}
        document = ics.calendar_document(calendar=calendar, meets=[meet], viewer=meet.meeter)
        outgoing.append(_Outgoing(meet.meeter, "schedule_meeter", context, document, name))
    meetings = [{"when": _meeting_time(m, calendar), "with": ics.display_name(m.meeter)} for m in meets]
    document = ics.calendar_document(calendar=calendar, meets=meets, viewer=owner) if meets else None
    context = {**base, "meetings": meetings, "attachment_name": name}
    outgoing.append(_Outgoing(owner, "schedule_owner", context, document, name))
    return _deliver(outgoing)


def schedule_finalized(*, calendar_id: int) -> Delivery:
    """After a calendar is finalized: `send_schedule` (nothing if it is gone or not finalized)."""
    calendar = Calendar.objects.select_related("owner__profile").filter(pk=calendar_id).first()
    if calendar is None or not calendar.finalized:
        return Delivery()
    return send_schedule(calendar=calendar)


# Automatic deadline reminders (`manage.py send_deadline_reminders`) --------------------------


def deadline_reminders_due(*, now: dt.datetime, window: dt.timedelta) -> QuerySet[Invitee]:
    """Invitations whose deadline reminder is due at `now`, earliest deadline first.

    Due: the calendar is not finalized; the deadline is after `now` and at most `window` away;
    the invitee has no availability in the calendar, has an email address and has not opted
    out; and no reminder was sent within `window` before the *current* deadline. So each
    deadline gets one reminder, and a deadline moved later than that (the owner gave more
    time) gets one again when its own window opens. Rows come with calendar, owner and profile.
    """
    submitted = Availability.objects.filter(
        calendar_id=OuterRef("calendar_id"), user_id=OuterRef("invitee_id")
    )
    return (
        Invitee.objects.filter(calendar__finalized=False, deadline__gt=now, deadline__lte=now + window)
        .filter(Q(reminder_sent_at__isnull=True) | Q(reminder_sent_at__lt=F("deadline") - window))
        .exclude(Exists(submitted))
        .exclude(invitee__email="")
        .exclude(invitee__profile__email_notifications=False)
        .select_related("calendar__owner", "invitee__profile")
        .order_by("deadline", "id")
    )


def deadline_reminder_send(*, invitation: Invitee, now: dt.datetime, connection: Any = None) -> bool:
    """Claim `invitation`'s reminder, then send it. False if another run claimed it first.

    The claim is one conditional UPDATE (compare-and-set on the `reminder_sent_at` value read
    with the row): of two runs that read the row at once exactly one updates it, so a reminder
    is never sent twice. If sending fails the claim is given back (a later run retries) and
    `EmailDeliveryFailed` is raised. A crash between claim and send loses that reminder rather
    than risk a duplicate.
    """
    previous = invitation.reminder_sent_at
    claimed = Invitee.objects.filter(pk=invitation.pk, reminder_sent_at=previous).update(reminder_sent_at=now)
    if not claimed:
        return False
    try:
        _deliver([_reminder(invitation)], connection=connection)
    except EmailDeliveryFailed:
        Invitee.objects.filter(pk=invitation.pk, reminder_sent_at=now).update(reminder_sent_at=previous)
        raise
    invitation.reminder_sent_at = now
    return True
