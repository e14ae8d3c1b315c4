"""Account services: registration, profile updates and password changes."""

from __future__ import annotations

import io
import warnings
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from accounts.models import Profile

User = get_user_model()

# Pillow format name → file suffix. Only these decoders are ever run on an upload.
PICTURE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def profile_get_or_create(*, user: AbstractBaseUser) -> Profile:
    """The user's profile, created empty on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.user = user  # the caller's instance: printing `profile.user` costs no second query
    return profile


@transaction.atomic
def user_register(*, username: str, first_name: str, last_name: str, email: str, password: str) -> Any:
    """Create an active user with a hashed password and an empty profile."""
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    Profile.objects.create(user=user)
    return user


def picture_decode(*, upload: UploadedFile) -> ContentFile:
    """Check an uploaded picture by decoding it, and return it under a generated name.

    Accepts PNG, JPEG, GIF and WebP only, at most `PROFILE_PICTURE_MAX_BYTES` bytes and
    `PROFILE_PICTURE_MAX_PIXELS` pixels. The size and the header are checked before any pixel
    is decoded, so a decompression bomb costs nothing. Raises `ValidationError` keyed on
    `profile_picture`.
    """

    def invalid(message: str) -> ValidationError:
        return ValidationError({"profile_picture": [message]})

    if upload.size is None or upload.size > settings.PROFILE_PICTURE_MAX_BYTES:
        limit_mb = settings.PROFILE_PICTURE_MAX_BYTES / (1024 * 1024)
        raise invalid(f"The picture is larger than {limit_mb:g} MB.")
    data = upload.read(settings.PROFILE_PICTURE_MAX_BYTES + 1)
    too_many_pixels = invalid(
        f"The picture has too many pixels; at most {settings.PROFILE_PICTURE_MAX_PIXELS:,} are allowed."
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; treat it as the error it is here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(PICTURE_FORMATS)) as image:
                width, height = image.size
                if width * height > settings.PROFILE_PICTURE_MAX_PIXELS:
                    raise too_many_pixels
                image_format = image.format
                image.load()  # decode every pixel: a truncated or corrupt file fails here
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise too_many_pixels from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise invalid("Upload a valid image: PNG, JPEG, GIF or WebP.") from exc
    if image_format not in PICTURE_FORMATS:
        raise invalid("Upload a valid image: PNG, JPEG, GIF or WebP.")
    return ContentFile(data, name=f"picture.{PICTURE_FORMATS[image_format]}")


def profile_update(
    *, user: Any, fields: dict[str, Any], picture: ContentFile | None = None, clear_picture: bool = False
) -> Profile:
    """Update the given user fields (first_name, last_name, email, password) and picture.

    A replaced or cleared picture file is deleted from storage after the transaction commits.
    """
    profile = profile_get_or_create(user=user)
    old_picture = profile.profile_picture.name if profile.profile_picture else None
    with transaction.atomic():
        for name in ("first_name", "last_name", "email"):
            if name in fields:
                setattr(user, name, fields[name])
        if "password" in fields:
            # Tokens carry a hash of the password (SIMPLE_JWT CHECK_REVOKE_TOKEN): changing it
            # revokes every access and refresh token issued before.
            user.set_password(fields["password"])
        user.full_clean()
        user.save()
        if picture is not None:
            profile.profile_picture.save(picture.name, picture, save=False)
        elif clear_picture:
            profile.profile_picture = None
        if "email_notifications" in fields:
            profile.email_notifications = fields["email_notifications"]
        profile.full_clean()
        profile.save()
    new_picture = profile.profile_picture.name if profile.profile_picture else None
    if old_picture and old_picture != new_picture:
        storage = profile.profile_picture.storage
        transaction.on_commit(lambda: storage.delete(old_picture))
    return profile
