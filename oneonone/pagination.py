"""Opt-in pagination: lists are plain arrays unless `limit` or `offset` is given."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

NOT_A_LIMIT = "Must be a whole number from 1 (at most {max_limit} rows are returned)."
MAX_OFFSET = 10**18
NOT_AN_OFFSET = f"Must be a whole number from 0 to {MAX_OFFSET}."


class OptInLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=N&offset=M` switches a list to `{count, next, previous, results}`.

    Without either parameter the list stays a plain JSON array, as the original API returned.
    `offset` alone pages with `default_limit`; `limit` is capped at `max_limit`. A value that is
    not a whole number in range is a `400 {"limit": [...]}` (or `offset`), not silently ignored.
    """

    default_limit = 100
    max_limit = 1000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        if self.limit_query_param not in request.query_params and (
            self.offset_query_param not in request.query_params
        ):
            return None
        return super().paginate_queryset(queryset, request, view)

    def get_limit(self, request: Request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.default_limit
        limit = _whole_number(raw, minimum=1)
        if limit is None:
            raise ValidationError({self.limit_query_param: [NOT_A_LIMIT.format(max_limit=self.max_limit)]})
        return min(limit, self.max_limit)

    def get_offset(self, request: Request) -> int:
        raw = request.query_params.get(self.offset_query_param)
        if raw is None:
            return 0
        offset = _whole_number(raw, minimum=0)
        if offset is None or offset > MAX_OFFSET:  # beyond what a database OFFSET takes
            raise ValidationError({self.offset_query_param: [NOT_AN_OFFSET]})
        return offset

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1 if parameter["name"] == self.limit_query_param else 0
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Both shapes: the plain array by default, the paginated object with `limit`/`offset`."""
        return {"oneOf": [schema, super().get_paginated_response_schema(schema)]}


def _whole_number(raw: str, *, minimum: int) -> int | None:
    """`raw` as a non-negative int of at least `minimum` (ASCII digits only), else None."""
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw) if len(raw) <= 19 else 10**19  # no need to parse a thousand digits
    return value if value >= minimum else None
