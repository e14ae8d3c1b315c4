"""Accounts: Django's built-in User plus a one-to-one Profile for what the API adds."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models


def profile_picture_path(instance: Profile, filename: str) -> str:
    """A generated name: never trust (or leak) the uploaded file name."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"profile_pictures/{uuid.uuid4().hex}{suffix}"


class Profile(models.Model):
    """Per-user data beyond `auth.User`: the picture and notification choice.

    Created on first use by `accounts.services.profile_get_or_create`.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    profile_picture = models.ImageField(upload_to=profile_picture_path, blank=True, null=True)
    email_notifications = models.BooleanField(
        default=True, help_text="Send notification and reminder emails to this user."
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Profile of {self.user}"
