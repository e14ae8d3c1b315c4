"""Routes of this app (filled in by the app's API work)."""

from __future__ import annotations

urlpatterns: list = []
