"""Routing helpers: every route answers with and without its trailing slash, no redirect."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path
from rest_framework.routers import SimpleRouter
from rest_framework_nested.routers import NestedSimpleRouter


class OptionalSlashRouter(SimpleRouter):
    """A router whose routes match `/calendars/7` and `/calendars/7/` alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


class OptionalSlashNestedRouter(NestedSimpleRouter):
    """A nested router (drf-nested-routers) with the same optional trailing slash."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trailing_slash = "/?"


def slash_optional_path(route: str, view: Any, name: str) -> URLPattern:
    """`path()` for a literal route (no converters) that matches with or without the final `/`.

    `route` is written without its trailing slash, e.g. `"accounts/login"`.
    """
    return re_path(rf"^{route}/?$", view, name=name)
