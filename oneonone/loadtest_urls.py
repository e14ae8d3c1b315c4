"""URL conf of the load benchmark (`python -m oneonone.loadtest`), never of the real service.

It is the real URL conf plus two constant views that measure the floor under our endpoints,
served by the same gunicorn, settings and middleware:

- `/loadtest/floor/`: a bare Django view returning a constant JSON document (no DRF, no
  authentication, no database): what any request costs in this stack;
- `/loadtest/floor-jwt/`: the same document from a DRF view with the project's default
  authentication and permission (JWT `Bearer` + IsAuthenticated): the floor plus DRF and JWT
  (token check and the one user query).

The benchmark selects it with `ROOT_URLCONF=oneonone.loadtest_urls` in gunicorn's environment.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oneonone import urls

DOCUMENT = {"detail": "constant", "items": [1, 2, 3]}


def floor(request: HttpRequest) -> JsonResponse:
    """A constant JSON document: the framework's floor."""
    return JsonResponse(DOCUMENT)


class AuthenticatedFloor(APIView):
    """The same document behind DRF with the default JWT authentication."""

    def get(self, request: Request) -> Response:
        return Response(DOCUMENT)


urlpatterns = [
    path("loadtest/floor/", floor, name="loadtest-floor"),
    path("loadtest/floor-jwt/", AuthenticatedFloor.as_view(), name="loadtest-floor-jwt"),
    *urls.urlpatterns,
]
handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
