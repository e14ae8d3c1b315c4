"""The OpenAPI schema (`/api/schema/`) is valid, generates without drf-spectacular warnings, and
together with `/docs/` covers every route of the URL conf (CONTRACT section 9)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate
from rest_framework.schemas.generators import EndpointEnumerator

from oneonone import docs

# Routes that are not API endpoints: the admin, uploaded media, and the documentation pages.
NOT_API = {"schema", "swagger-ui", "redoc", "docs", "media"}
IGNORED_METHODS = {"head", "options", "trace"}


def url_routes(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """`(path, method, callback)` for every route of the URL conf, walked here rather than by
    drf-spectacular so that a route the generator skips still counts."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    enumerator = EndpointEnumerator()
    for pattern in patterns:
        regex = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or pattern.app_name == "admin":
                continue
            yield from url_routes(pattern.url_patterns, regex)
        elif isinstance(pattern, URLPattern) and pattern.name not in NOT_API:
            path = enumerator.get_path_from_regex(regex)
            for method in route_methods(pattern.callback):
                yield path, method, pattern.callback


def route_methods(callback: Any) -> list[str]:
    actions = getattr(callback, "actions", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:  # a ViewSet route: the methods the router mapped
        methods = set(actions)
        if view_class is not None:
            methods &= set(view_class.http_method_names)
    elif view_class is not None:
        methods = {m for m in view_class.http_method_names if hasattr(view_class, m)}
    else:  # a plain function view: it answers GET at least
        methods = {"get"}
    return sorted(methods - IGNORED_METHODS)


def shape(path: str) -> str:
    """`/calendars/{calendar_pk}/availabilities/{pk}/` → `/calendars/{}/availabilities/{}/`."""
    return re.sub(r"{[^}]*}", "{}", path.rstrip("/") + "/")


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_it_validates_against_the_openapi_specification(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    served = json.loads(response.content)
    assert served["openapi"].startswith("3.")
    validate(served)


def test_it_generates_without_warnings_or_errors(tmp_path, capsys):
    """`manage.py spectacular --validate --fail-on-warn`, as CI would run it."""
    target = tmp_path / "schema.yaml"
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    except CommandError as exc:  # pragma: no cover - the message is the useful part
        pytest.fail(f"{exc}\n{capsys.readouterr().err}")
    assert not capsys.readouterr().err
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    validate(yaml.safe_load(target.read_text()))


def test_the_generator_reports_nothing_when_called_directly(capsys):
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    assert not capsys.readouterr().err


def test_every_route_is_in_the_openapi_schema_and_the_core_json_document(schema):
    routes = sorted({(shape(path), method) for path, method, _ in url_routes()})
    assert len(routes) > 10, routes  # the walk found the app routes
    in_schema = {
        (shape(path), method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in docs.HTTP_METHODS
    }
    links = docs.iter_links(docs.build_document(schema))
    in_docs = {(shape(link["url"]), link["action"]) for _, link in links}
    assert [route for route in routes if route not in in_schema] == []
    assert [route for route in routes if route not in in_docs] == []
    # ...and neither documents a route that does not exist.
    assert sorted(in_schema - set(routes)) == []
    assert sorted(in_docs - set(routes)) == []


def test_the_route_walk_sees_a_route_the_generator_would_skip():
    """A plain Django view is invisible to drf-spectacular; the walk must still report it."""
    from django.http import HttpResponse
    from django.urls import path

    def undocumented(request):
        return HttpResponse("")

    found = list(url_routes([path("secret/<int:pk>/", undocumented, name="secret")]))
    assert [(shape(p), m) for p, m, _ in found] == [("/secret/{}/", "get")]


def test_every_operation_has_a_summary_or_description_and_its_status_codes(schema):
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not (operation.get("summary") or operation.get("description")):
                missing.append(f"{method.upper()} {path}: no docstring/summary")
            if not operation.get("responses"):
                missing.append(f"{method.upper()} {path}: no responses")
    assert missing == []


def test_the_schema_pages_are_public_and_ignore_a_stale_token(client):
    for url in ("/api/schema/", "/api/schema/swagger-ui/", "/api/schema/redoc/"):
        response = client.get(url, HTTP_AUTHORIZATION="Bearer stale")
        assert response.status_code == 200, url
