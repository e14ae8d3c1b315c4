"""JWT authentication: simplejwt's, refusing tokens whose user id claim is not an id.

A token is only accepted if it is signed with `JWT_SIGNING_KEY`, so a malformed claim means a
leaked key or a bug elsewhere; either way the answer is `401`, never a 500 from the ORM
(`Field 'id' expected a number but got 'abc'`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token

NO_USER_ID = "Token contained no recognizable user identification"


def token_user_id(payload: Any) -> Any:
    """The token's user id claim as the user model's id field reads it; `InvalidToken` (401)
    if it is missing or is not a valid value of that field."""
    field = get_user_model()._meta.get_field(api_settings.USER_ID_FIELD)
    try:
        value = payload[api_settings.USER_ID_CLAIM]
        if value is None or isinstance(value, bool | list | dict):
            raise ValidationError(NO_USER_ID)
        return field.to_python(value)
    except (KeyError, ValidationError) as exc:
        raise InvalidToken(NO_USER_ID) from exc


class JWTAuthentication(BaseJWTAuthentication):
    """`Authorization: Bearer <access>`; one query (the user) per request, as simplejwt's."""

    def get_user(self, validated_token: Token) -> Any:
        token_user_id(validated_token)
        return super().get_user(validated_token)
