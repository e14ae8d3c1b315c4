"""Failed-login throttle: per username and per client address, sliding windows in the cache.

Only failures are counted, so a user who logs in successfully is never slowed down by this
rule; once a key is over its limit every attempt (right password included) answers 429 until
the oldest counted failure leaves the window. The client address is the socket's unless
`REST_FRAMEWORK["NUM_PROXIES"]` says how many proxies' `X-Forwarded-For` entries to believe.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


def _digest(text: str) -> str:
    """A cache-key-safe stand-in for user input (any length, spaces, control characters)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class _Rule:
    key: str
    limit: int
    window: int


class LoginFailureThrottle:
    """Check before authenticating; record each failed attempt afterwards."""

    def __init__(self, request: Request, username: str) -> None:
        address = BaseThrottle().get_ident(request)
        self.rules = (
            _Rule(
                f"login-fail:user:{_digest(username.strip().lower())}",
                settings.LOGIN_FAILURES_PER_USERNAME,
                settings.LOGIN_USERNAME_WINDOW_SECONDS,
            ),
            _Rule(
                f"login-fail:addr:{_digest(str(address))}",
                settings.LOGIN_FAILURES_PER_ADDRESS,
                settings.LOGIN_ADDRESS_WINDOW_SECONDS,
            ),
        )

    @staticmethod
    def _recent(rule: _Rule, now: float) -> list[float]:
        return [t for t in cache.get(rule.key, []) if t > now - rule.window]

    def check(self) -> None:
        """Raise `Throttled` (429 with Retry-After) if any rule is over its limit."""
        now = time.time()
        waits = []
        for rule in self.rules:
            recent = self._recent(rule, now)
            if len(recent) >= rule.limit:
                # The attempt that frees a slot is the oldest one still counted.
                waits.append(recent[-rule.limit] + rule.window - now)
        if waits:
            raise Throttled(wait=max(1, math.ceil(max(waits))))

    def record_failure(self) -> None:
        now = time.time()
        for rule in self.rules:
            recent = self._recent(rule, now)
            recent.append(now)
            cache.set(rule.key, recent[-rule.limit :], timeout=rule.window)
