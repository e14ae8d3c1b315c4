"""Rate limit of the email endpoints: per calendar, shared by its three email routes.

Each calendar may ask for `CALENDAR_EMAIL_RATE` email requests (default "10/hour"; DRF's
"<number>/<second|minute|hour|day>"; empty turns the limit off), whoever of its owners' clients
sends them; past it the endpoints answer `429 {"detail"}` with `Retry-After` (seconds). The
throttle runs after the permission checks (DRF's order), so only the owner's accepted requests
count: a stranger's 403s, 404s for a missing calendar and 405s cannot spend a calendar's budget.
Counts live in the default cache (use a shared one with several workers).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class CalendarEmailThrottle(SimpleRateThrottle):
    """At most `CALENDAR_EMAIL_RATE` email requests per calendar."""

    scope = "calendar_email"

    def get_rate(self) -> str | None:
        return settings.CALENDAR_EMAIL_RATE or None

    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(view, "action", None) in (None, "metadata"):  # 405 or OPTIONS: sends nothing
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": view.calendar.pk}
