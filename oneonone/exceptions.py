"""The one place where domain errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from oneonone import errors

DOMAIN_STATUS = {
    errors.CalendarFinalized: status.HTTP_410_GONE,
    errors.DeadlinePassed: status.HTTP_410_GONE,
    errors.Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: domain errors → `{"detail"}` with their status, Django
    `ValidationError` (raised by `full_clean()` in services) → 400 with field-keyed messages."""
    if isinstance(exc, errors.DomainError):
        code = next(
            (code for cls, code in DOMAIN_STATUS.items() if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        return Response({"detail": exc.message}, status=code)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
