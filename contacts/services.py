"""Contact (friendship) services and selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from contacts.models import Contact


def contact_user_ids(*, user: Any) -> set[int]:
    """Ids of the users who are accepted contacts (friends) of `user`."""
    rows = Contact.objects.filter(Q(requester=user) | Q(requested=user), accepted=True).values_list(
        "requester_id", "requested_id"
    )
    return {other for pair in rows for other in pair if other != user.pk}
