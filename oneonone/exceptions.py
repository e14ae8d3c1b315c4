"""The one place where errors become HTTP responses, and where the errors every route can answer
are documented for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from oneonone import errors

DOMAIN_STATUS = {
    errors.CalendarFinalized: status.HTTP_410_GONE,
    errors.DeadlinePassed: status.HTTP_410_GONE,
    errors.NotOwnerOrInvitee: status.HTTP_403_FORBIDDEN,
    errors.Conflict: status.HTTP_409_CONFLICT,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: domain errors → `{"detail"}` with their status, Django
    `ValidationError` (raised by `full_clean()` in services) → 400 with field-keyed messages,
    and a body that does not parse → 400 under the view's `error_body_key`."""
    if isinstance(exc, errors.DomainError):
        code = next(
            (code for cls, code in DOMAIN_STATUS.items() if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        return Response({"detail": exc.message}, status=code)
    if isinstance(exc, DjangoValidationError):
        return Response(as_serializer_error(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # DRF 3.18 would answer "No <Model> matches the given query."; the seed says "Not found."
        exc = NotFound()
    response = drf_exception_handler(exc, context)
    # Endpoints whose refusals use another key (contacts: `{"error"}`, as the seed documents)
    # say so with `error_body_key`; a body that does not parse is one of their refusals too.
    key = getattr(context.get("view"), "error_body_key", "detail")
    if response is not None and key != "detail" and isinstance(exc, ParseError):
        response.data = {key: response.data["detail"]}
    return response


# Errors raised outside DRF views (no route matched, a bad Host header, a crash in middleware)
# are answered by Django's handlers: JSON here too, so every client parses one error shape.
# Wired as `handler400`/`handler403`/`handler404`/`handler500` in `oneonone.urls`; with DEBUG on,
# Django still shows its own debug pages instead.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """`400 {"detail"}` for a request Django rejects before any view (e.g. a disallowed Host)."""
    return JsonResponse({"detail": "Bad request."}, status=status.HTTP_400_BAD_REQUEST)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """`403 {"detail"}` for a `PermissionDenied` raised outside DRF."""
    return JsonResponse(
        {"detail": "You do not have permission to perform this action."}, status=status.HTTP_403_FORBIDDEN
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """`404 {"detail": "Not found."}` for a path no route matches, e.g. `/calendars/abc/`: the
    same body as a missing object, never an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)


def server_error(request: HttpRequest) -> JsonResponse:
    """`500 {"detail"}` without a traceback (the error is logged by Django)."""
    return JsonResponse({"detail": "A server error occurred."}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)


# What the handlers above and DRF answer on every route, documented once for the OpenAPI schema
# (a drf-spectacular postprocessing hook, `SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`) instead
# of in each view. Only codes an operation does not declare itself are added.
ERROR_DETAIL_COMPONENT = "ErrorDetail"
_ERROR_DETAIL_SCHEMA = {
    "type": "object",
    "description": '`{"detail": "..."}`: why the request was refused.',
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


_FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


def _error_response(description: str, **extra: Any) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{ERROR_DETAIL_COMPONENT}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}, **extra}


def _requires_authentication(operation: dict[str, Any], default: list[dict[str, Any]] | None) -> bool:
    security = operation.get("security", default) or []
    return bool(security) and {} not in security


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """Add the errors every operation can answer to operations that do not list them:
    - `401` with `WWW-Authenticate` where a token is required (missing, bad or expired token);
    - `400` where there is a request body (a body that does not parse, or is too large), and
      `415` there for a Content-Type the endpoint does not parse;
    - `404` where the path has parameters (a value that matches no route, or no object);
    - `400` on paginated lists, for a `limit` or `offset` out of range.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_DETAIL_COMPONENT] = _ERROR_DETAIL_SCHEMA
    default_security = result.get("security")
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if _requires_authentication(operation, default_security) and "401" not in responses:
                responses["401"] = _error_response(
                    "Missing, invalid or expired access token",
                    headers={"WWW-Authenticate": {"schema": {"type": "string"}, "required": True,
                                                  "description": 'Bearer realm="api"'}},
                )
            if "requestBody" in operation and "400" not in responses:
                responses["400"] = _error_response("The body does not parse, or is too large")
            if "requestBody" in operation and "415" not in responses:
                responses["415"] = _error_response("A Content-Type the operation does not accept")
            query = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "query"}
            if {"limit", "offset"} <= query and "400" not in responses:
                responses["400"] = {
                    "description": 'A `limit` or `offset` that is not a whole number in range: '
                    '`{"limit": ["..."]}`',
                    "content": {"application/json": {"schema": _FIELD_ERRORS_SCHEMA}},
                }
            has_path_parameters = any(p.get("in") == "path" for p in operation.get("parameters", []))
            if has_path_parameters and "404" not in responses:
                responses["404"] = _error_response("No such object, or a path value that matches no route")
            operation["responses"] = dict(sorted(responses.items()))
    return result
