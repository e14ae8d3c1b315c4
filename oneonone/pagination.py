"""Opt-in pagination: lists are plain arrays unless `limit` or `offset` is given."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request


class OptInLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=N&offset=M` switches a list to `{count, next, previous, results}`.

    Without either parameter the list stays a plain JSON array, as the original API returned.
    `offset` alone pages with `default_limit`; `limit` is capped at `max_limit`.
    """

    default_limit = 100
    max_limit = 1000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        if self.limit_query_param not in request.query_params and (
            self.offset_query_param not in request.query_params
        ):
            return None
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Both shapes: the plain array by default, the paginated object with `limit`/`offset`."""
        return {"oneOf": [schema, super().get_paginated_response_schema(schema)]}
