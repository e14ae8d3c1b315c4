"""Read queries of the calendars app: each returns a queryset scoped to what the caller may see.

Every queryset is ordered by id (the models' default ordering) and fetches what its serializer
prints in the same query (owner username, invitee username, `has_availability`), so lists cost
one query whatever their length.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from calendars.models import Availability, Calendar, Invitee, Meet
from contacts.services import contact_user_ids

User = get_user_model()


def calendars_owned(*, user: Any, finalized: bool | None = None) -> QuerySet[Calendar]:
    """Calendars `user` owns; `finalized=False` keeps only those still open."""
    calendars = Calendar.objects.filter(owner=user).select_related("owner")
    if finalized is not None:
        calendars = calendars.filter(finalized=finalized)
    return calendars


def calendars_invited(*, user: Any) -> QuerySet[Calendar]:
    """Calendars `user` is invited to (one row each: an invitation is unique per calendar)."""
    return Calendar.objects.filter(invitees__invitee=user).select_related("owner")


def calendars_awaiting_availability(*, user: Any) -> QuerySet[Calendar]:
    """Calendars `user` is invited to and has not submitted any availability for yet."""
    submitted = Availability.objects.filter(calendar=OuterRef("pk"), user=user)
    return calendars_invited(user=user).exclude(Exists(submitted))


def invitation_for(*, calendar: Calendar, user: Any) -> Invitee | None:
    """`user`'s invitation to `calendar`, or None (the owner and strangers have none)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Invitee.objects.filter(calendar=calendar, invitee=user).first()


def invitees_with_status(*, calendar: Calendar) -> QuerySet[Invitee]:
    """The calendar's invitations with `invitee` loaded and `has_availability` annotated."""
    submitted = Availability.objects.filter(
        calendar_id=OuterRef("calendar_id"), user_id=OuterRef("invitee_id")
    )
    return calendar.invitees.select_related("invitee").annotate(has_availability=Exists(submitted))


def availabilities_visible_to(*, calendar: Calendar, user: Any) -> QuerySet[Availability]:
    """The owner sees every availability of the calendar; anyone else only their own."""
    availabilities = calendar.availabilities.all()
    if calendar.owner_id != user.pk:
        availabilities = availabilities.filter(user=user)
    return availabilities


def uninvited_contacts(*, calendar: Calendar) -> QuerySet[Any]:
    """The owner's accepted contacts who are not invited to `calendar` yet, ordered by id."""
    return (
        User.objects.filter(pk__in=contact_user_ids(user=calendar.owner))
        .exclude(invitations__calendar=calendar)
        .order_by("id")
    )


def meets_visible_to(*, calendar: Calendar, user: Any) -> QuerySet[Meet]:
    """The owner sees every meeting of the calendar; an invitee only their own (by id)."""
    meets = calendar.meets.select_related("meeter")
    if calendar.owner_id != user.pk:
        meets = meets.filter(meeter=user)
    return meets
