"""The project's drf-spectacular AutoSchema."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, except that only GET lists are paginated: a write that answers
    a list (e.g. `PUT .../schedule/`) takes no `limit`/`offset` and returns a plain array."""

    def _get_paginator(self) -> Any:
        if self.method != "GET":
            return None
        return super()._get_paginator()


class JWTScheme(SimpleJWTScheme):
    """Documents `accounts.authentication.JWTAuthentication` as simplejwt's own (`jwtAuth`,
    bearer JWT): drf-spectacular matches authentication classes exactly, not their subclasses."""

    target_class = "accounts.authentication.JWTAuthentication"
