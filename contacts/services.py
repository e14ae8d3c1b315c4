"""Contact (friendship) services and selectors.

A `Contact` row links two users: pending while `accepted` is False, a (symmetric) friendship
once the requested user accepts. The database allows one row per unordered pair
(`contact_one_per_pair`), which is what settles races between concurrent requests; the
services turn every refusal, including a lost race, into a `ContactError` carrying the seed's
message word for word. Nothing here imports `rest_framework`: the views map `ContactError` to
`400 {"error": message}`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from contacts.models import Contact
from oneonone.errors import Conflict

User = get_user_model()

# The seed's error messages (oneonone-api-docs.txt, "contacts"), word for word.
CANNOT_ADD_YOURSELF = "You cannot add yourself to your contacts"
USER_DOES_NOT_EXIST = "User does not exist"
ALREADY_SENT = "You have already sent a request to this user"
ALREADY_RECEIVED = "This user has already sent you a request"
ALREADY_FRIENDS = "You are already friends with this user"
NOT_FRIENDS = "You are not friends with this user"
NO_FRIEND_REQUEST = "No friend request from this user"


class ContactError(Exception):
    """A contact operation the current state does not allow; `message` is shown to the caller."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def contact_user_ids(*, user: Any) -> set[int]:
    """Ids of the users who are accepted contacts (friends) of `user`."""
    rows = Contact.objects.filter(Q(requester=user) | Q(requested=user), accepted=True).values_list(
        "requester_id", "requested_id"
    )
    return {other for pair in rows for other in pair if other != user.pk}


def contact_friends(*, user: Any) -> QuerySet[Any]:
    """The friends of `user` as users (with their profile joined), in one query.

    Ordered by username case-insensitively (then exactly, so the order is total), which gives
    the same order on SQLite and PostgreSQL whatever the database collation.
    """
    sent = Contact.objects.filter(requester=user, accepted=True).values("requested_id")
    received = Contact.objects.filter(requested=user, accepted=True).values("requester_id")
    return (
        User.objects.filter(Q(pk__in=sent) | Q(pk__in=received))
        .select_related("profile")
        .order_by(Lower("username"), "username")
    )


def contact_requests_received(*, user: Any) -> QuerySet[Contact]:
    """Pending requests addressed to `user`, oldest first (by id), with the requester joined."""
    return Contact.objects.filter(requested=user, accepted=False).select_related("requester").order_by("id")


def _user_by_username(username: str, *, active_only: bool = False) -> Any:
    """The user called exactly `username`, or `ContactError("User does not exist")`."""
    users = User.objects.filter(is_active=True) if active_only else User.objects.all()
    found = users.filter(username=username).first()
    if found is None:
        raise ContactError(USER_DOES_NOT_EXIST)
    return found


def _pair_contact(first: Any, second: Any) -> Contact | None:
    """The one row linking two users, in either direction, if any."""
    return Contact.objects.filter(
        Q(requester=first, requested=second) | Q(requester=second, requested=first)
    ).first()


def _send_refusal(existing: Contact, *, requester: Any) -> str:
    """Why `requester` cannot send a request to a user they already have `existing` with."""
    if existing.accepted:
        return ALREADY_FRIENDS
    if existing.requester_id == requester.pk:
        return ALREADY_SENT
    return ALREADY_RECEIVED


def contact_request_send(*, requester: Any, requested_username: str) -> Contact:
    """Store a pending friend request from `requester` to the user named `requested_username`.

    Only active users can be asked (a deactivated account could never answer), so an unknown
    or deactivated username is "User does not exist". An existing row for the pair, in either
    direction, refuses the request with the seed's message for its state.

    Two crossing requests sent at the same moment (A asks B while B asks A) both pass the
    check above; the `contact_one_per_pair` constraint then lets exactly one insert through.
    The loser's `IntegrityError` is caught inside a savepoint (so an enclosing transaction
    stays usable), the pair is read again and the loser gets the message for the winner's row.
    Raises `ContactError`; `oneonone.errors.Conflict` only if that row vanished again in
    between (e.g. rejected at once), in which case the caller may simply retry.
    """
    requested = _user_by_username(requested_username, active_only=True)
    if requested.pk == requester.pk:
        raise ContactError(CANNOT_ADD_YOURSELF)
    existing = _pair_contact(requester, requested)
    if existing is not None:
        raise ContactError(_send_refusal(existing, requester=requester))
    contact = Contact(requester=requester, requested=requested, accepted=False)
    # Constraints are left to the database: checking them here could only race with the
    # insert below, and would answer a lost race with a generic constraint message.
    contact.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        existing = _pair_contact(requester, requested)
        if existing is None:
            raise Conflict() from None
        raise ContactError(_send_refusal(existing, requester=requester)) from None
    return contact


def contact_request_answer(*, requested: Any, requester_username: str, accept: bool) -> Any:
    """Accept or reject the pending request that `requester_username` sent to `requested`.

    Accepting turns the row into a friendship; rejecting deletes it (the requester may ask
    again later). Only the requested user can answer: the sender answering their own request,
    someone else's request, a pair that is already friends or has nothing pending all raise
    `ContactError("No friend request from this user")`; an unknown username raises
    `ContactError("User does not exist")`.

    Each answer is one conditional statement (`UPDATE`/`DELETE ... WHERE accepted = false`),
    so of two concurrent answers to one request exactly one succeeds and the other is told
    there is no request, never a duplicate friendship or a 500. Returns the requester.
    """
    requester = _user_by_username(requester_username)
    pending = Contact.objects.filter(requester=requester, requested=requested, accepted=False)
    if accept:
        changed = pending.update(accepted=True)
    else:
        changed, _ = pending.delete()
    if not changed:
        raise ContactError(NO_FRIEND_REQUEST)
    return requester


def contact_remove(*, user: Any, username: str) -> None:
    """End the friendship between `user` and the user named `username`.

    Only a friendship (an accepted row, whoever asked first) is removed; a pending request in
    either direction is left alone and answers "You are not friends with this user". Unknown
    username: "User does not exist" (deactivated users count as existing, so a friendship with
    them can still be ended). Raises `ContactError`.
    """
    other = _user_by_username(username)
    deleted, _ = Contact.objects.filter(
        Q(requester=user, requested=other) | Q(requester=other, requested=user), accepted=True
    ).delete()
    if not deleted:
        raise ContactError(NOT_FRIENDS)
