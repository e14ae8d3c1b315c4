"""Contacts: a friend request that becomes a symmetric friendship once accepted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Greatest, Least


class Contact(models.Model):
    """One row per pair of users: pending (`accepted=False`) or a friendship.

    The pair is unordered for uniqueness: A→B and B→A cannot both exist, so two crossing
    requests cannot both be stored (the database enforces it, also under concurrency).
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_contacts"
    )
    requested = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="received_contacts"
    )
    accepted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(requester=models.F("requested")),
                name="contact_not_self",
            ),
            models.UniqueConstraint(
                Least("requester", "requested"),
                Greatest("requester", "requested"),
                name="contact_one_per_pair",
            ),
        ]

    def __str__(self) -> str:
        state = "friends" if self.accepted else "pending"
        return f"{self.requester} → {self.requested} ({state})"
