"""`/docs/`: the API as a Core JSON document for the coreapi command-line client, and as an
HTML page for people (CONTRACT section 9).

DRF dropped its Core API support in 3.17, but users of the original system drive the API with
`coreapi get http://HOST/docs/` and `coreapi action calendars availabilities create -p ...`.
This module rebuilds that document from the OpenAPI schema drf-spectacular generates, so both
describe the same routes, fields and encodings, and an endpoint added to any app's URL conf
shows up in both without further work.

The document is emitted as plain dicts in the Core JSON format (`coreapi/codecs/corejson.py`):
the server never imports the unmaintained `coreapi` package.

Link keys ("action names"): the static components of the URL path (after the common prefix,
which is `/` here) followed by a name for the HTTP method: GET is `list` when the path does not
end in a `{parameter}` and `read` when it does; POST `create`, PUT `update`, PATCH
`partial_update`, DELETE `delete`. That is DRF 3.16's rule for plain views, applied to every
route whatever kind of view serves it, so turning an APIView into a ViewSet cannot rename a
command. Two refinements:
- names the seed docs fixed and the rule cannot produce are listed in `SEED_KEYS`
  (`calendars finalize`, which DRF 3.16 named after the ViewSet action);
- two routes that would get the same keys (`/calendars/{id}/email/` and
  `/calendars/{id}/email/{username}/`, both POST) are told apart by adding the names of the
  longer one's trailing path parameters before the method name (`calendars email username
  create`).

Fields: one per URL variable (`location: path`, named as in the URL), then the request body's
properties (`location: form`, read-only ones skipped, `required` from the schema), then query
parameters (`location: query`). The link's `encoding` is the first JSON, form or multipart
media type of the request body, which follows the view's parser order: the profile update
advertises `multipart/form-data`, so `-f profile_picture=me.png` works.

`_meta.url` is left out on purpose: the client then resolves every link against the URL it
fetched the document from, which stays right behind a proxy that rewrites the host or scheme.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

CORE_JSON = "application/coreapi+json"
VND_CORE_JSON = "application/vnd.coreapi+json"

METHOD_ACTIONS = {"post": "create", "put": "update", "patch": "partial_update", "delete": "delete"}
# The order links are listed in under one node (the order DRF's docs page used).
ACTION_ORDER = ["list", "create", "read", "update", "partial_update", "delete"]
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

# Keys the seed docs fixed that the rule above does not give (method, OpenAPI path) -> keys.
SEED_KEYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("put", "/calendars/{id}/finalize/"): ("calendars", "finalize"),
}

# Request-body media types the coreapi client can send, as `-p`/`-f` fields.
FORM_ENCODINGS = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
SCHEMA_TYPES = {"string", "integer", "number", "boolean", "array", "object"}
_PATH_VARIABLE = re.compile(r"{(\w+)}")


@dataclass
class Field:
    """One Core JSON link field: a `-p name=value` the client places by `location`."""

    name: str
    location: str
    required: bool = False
    type: str = "string"
    title: str = ""
    description: str = ""
    enum: list[Any] | None = None
    is_file: bool = False

    def as_core_json(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"_type": self.type, "title": self.title, "description": self.description}
        if self.enum is not None:
            schema["enum"] = self.enum
        data: dict[str, Any] = {"name": self.name}
        if self.required:
            data["required"] = True
        data["location"] = self.location
        data["schema"] = schema
        return data


@dataclass
class Link:
    """One operation (path + method) of the OpenAPI schema, and where it goes in the document."""

    url: str
    method: str
    keys: tuple[str, ...] = ()
    encoding: str = ""
    title: str = ""
    description: str = ""
    fields: list[Field] = field(default_factory=list)

    def as_core_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"_type": "link", "url": self.url, "action": self.method}
        if self.encoding:
            data["encoding"] = self.encoding
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.fields:
            data["fields"] = [f.as_core_json() for f in self.fields]
        return data


# --- From the OpenAPI schema to links --------------------------------------------------------


def openapi_schema() -> dict[str, Any]:
    """The public OpenAPI document, exactly as `/api/schema/` serves it."""
    return SchemaGenerator().get_schema(request=None, public=True)


class _Resolver:
    """Follows `$ref`, merges `allOf` and picks the usable branch of `oneOf`/`anyOf`."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.components = schema.get("components", {})

    def resolve(self, node: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        if depth > 20:  # a self-referencing schema: stop, it is described well enough
            return {}
        if "$ref" in node:
            target: Any = self.components
            for part in node["$ref"].removeprefix("#/components/").split("/"):
                target = target.get(part, {})
            merged = {**self.resolve(target, depth + 1), **{k: v for k, v in node.items() if k != "$ref"}}
            return merged
        if "allOf" in node:
            merged = {}
            for part in node["allOf"]:
                merged.update(self.resolve(part, depth + 1))
            merged.update({k: v for k, v in node.items() if k != "allOf"})
            return merged
        for combinator in ("oneOf", "anyOf"):
            if combinator in node:
                branches = [self.resolve(part, depth + 1) for part in node[combinator]]
                # Skip the "blank"/"null" branches drf-spectacular adds to choice fields.
                useful = [
                    b for b in branches if b.get("enum") not in ([""], [None]) and b.get("maxLength") != 0
                ]
                chosen = dict((useful or branches or [{}])[0])
                chosen.update({k: v for k, v in node.items() if k != combinator})
                return chosen
        return node


def _field_type(schema: dict[str, Any]) -> tuple[str, list[Any] | None]:
    if "enum" in schema:
        return "enum", [value for value in schema["enum"] if value not in ("", None)]
    kind = schema.get("type")
    return (kind if kind in SCHEMA_TYPES else "anything"), None


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _schema_field(name: str, schema: dict[str, Any], location: str, required: bool) -> Field:
    kind, enum = _field_type(schema)
    return Field(
        name=name,
        location=location,
        required=required,
        type=kind,
        title=schema.get("title") or _label(name),
        description=schema.get("description", ""),
        enum=enum,
        is_file=schema.get("format") == "binary",
    )


def _body_fields(operation: dict[str, Any], resolver: _Resolver) -> tuple[str, list[Field]]:
    content = operation.get("requestBody", {}).get("content", {})
    encoding = next((media for media in content if media in FORM_ENCODINGS), None)
    if encoding is None:
        return "", []
    schema = resolver.resolve(content[encoding].get("schema", {}))
    properties = schema.get("properties")
    if schema.get("type", "object") != "object" or properties is None:
        # Not an object (e.g. a JSON array): the whole body is one parameter.
        required = bool(operation["requestBody"].get("required"))
        return encoding, [_schema_field("data", schema, "body", required)]
    required_names = set(schema.get("required", []))
    fields = []
    for name, prop in properties.items():
        prop = resolver.resolve(prop)
        if prop.get("readOnly"):
            continue
        fields.append(_schema_field(name, prop, "form", name in required_names))
    return encoding, fields


def _link(url: str, method: str, operation: dict[str, Any], resolver: _Resolver) -> Link:
    parameters = [resolver.resolve(p) for p in operation.get("parameters", [])]
    path_params = {p["name"]: p for p in parameters if p.get("in") == "path"}
    fields = []
    for name in _PATH_VARIABLE.findall(url):
        param = path_params.get(name, {})
        fields.append(
            Field(
                name=name,
                location="path",
                required=True,
                type=_field_type(resolver.resolve(param.get("schema", {})))[0],
                title="",
                description=param.get("description", ""),
            )
        )
    encoding, body = _body_fields(operation, resolver)
    fields.extend(body)
    for param in parameters:
        if param.get("in") == "query":
            query_field = _schema_field(
                param["name"], resolver.resolve(param.get("schema", {})), "query", bool(param.get("required"))
            )
            query_field.description = param.get("description", query_field.description)
            fields.append(query_field)
    summary = operation.get("summary", "")
    return Link(
        url=url,
        method=method,
        encoding=encoding if body else "",
        title=summary,
        description=operation.get("description") or summary,
        fields=fields,
    )


# --- Keys (DRF 3.16's layout) ----------------------------------------------------------------


def path_prefix(paths: list[str]) -> str:
    """DRF 3.16's `determine_path_prefix`: the leading components every path shares, not
    counting the last static component before a parameter. `/` as soon as one path has a single
    static component, so `accounts`, `api`, `calendars` and `contacts` stay top-level keys."""
    prefixes = []
    for path in paths:
        static = []
        for component in path.strip("/").split("/"):
            if "{" in component:
                break
            static.append(component)
        prefix = "/".join(static[:-1])
        if not prefix:
            return "/"
        prefixes.append(prefix.split("/"))
    common = prefixes[0]
    for other in prefixes[1:]:
        length = 0
        while length < min(len(common), len(other)) and common[length] == other[length]:
            length += 1
        common = common[:length]
    return "/" + "/".join(common) + "/" if common else "/"


def link_keys(subpath: str, method: str) -> tuple[str, ...]:
    """Static path components + the method's action name (see the module docstring)."""
    components = [c for c in subpath.strip("/").split("/") if c]
    static = [c for c in components if "{" not in c]
    if method == "get":
        action = "read" if components and "{" in components[-1] else "list"
    else:
        action = METHOD_ACTIONS[method]
    return (*static, action)


def _trailing_parameters(url: str) -> list[str]:
    names: list[str] = []
    for component in reversed(url.strip("/").split("/")):
        match = _PATH_VARIABLE.fullmatch(component)
        if not match:
            break
        names.insert(0, match.group(1))
    return names


def assign_keys(links: list[Link]) -> None:
    """Set `link.keys`, telling apart links that would share keys (module docstring)."""
    if not links:
        return
    prefix = path_prefix(sorted({link.url for link in links}))
    for link in links:
        subpath = link.url[len(prefix) - 1 :]
        link.keys = SEED_KEYS.get((link.method, link.url)) or link_keys(subpath, link.method)
    by_keys: dict[tuple[str, ...], list[Link]] = {}
    for link in links:
        by_keys.setdefault(link.keys, []).append(link)
    for keys, group in by_keys.items():
        if len(group) > 1:
            for link in group:
                link.keys = (*keys[:-1], *_trailing_parameters(link.url), keys[-1])
    # A link cannot also be a namespace (a `SEED_KEYS` name, or a path component called like
    # an action): such a link gets its method's action name appended.
    namespaces = {link.keys[:i] for link in links for i in range(1, len(link.keys))}
    for link in links:
        if link.keys in namespaces:
            link.keys = (*link.keys, link_keys(link.url, link.method)[-1])
    # Anything still clashing is numbered, as DRF 3.16 did (`create_0`); the test that lists
    # every key pins the names, so this never passes unnoticed.
    seen: dict[tuple[str, ...], int] = {}
    for link in sorted(links, key=lambda item: (item.url, item.method)):
        count = seen.get(link.keys, 0)
        seen[link.keys] = count + 1
        if count:
            link.keys = (*link.keys[:-1], f"{link.keys[-1]}_{count - 1}")


def build_links(schema: dict[str, Any]) -> list[Link]:
    resolver = _Resolver(schema)
    links = [
        _link(url, method, operation, resolver)
        for url, operations in schema.get("paths", {}).items()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    ]
    assign_keys(links)
    return links


def _action_rank(key: str) -> tuple[int, str]:
    base = key.rstrip("_0123456789")  # `create_0` sorts with `create`
    return (ACTION_ORDER.index(base) if base in ACTION_ORDER else len(ACTION_ORDER), key)


def _insert(tree: dict[str, Any], keys: tuple[str, ...], link: dict[str, Any]) -> None:
    node = tree
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = link


def _ordered(node: dict[str, Any]) -> dict[str, Any]:
    """Namespaces first (alphabetically), then links in list/create/read/... order."""
    if node.get("_type") == "link":
        return node
    namespaces = sorted(k for k, v in node.items() if v.get("_type") != "link")
    links = sorted((k for k, v in node.items() if v.get("_type") == "link"), key=_action_rank)
    return {**{k: _ordered(node[k]) for k in namespaces}, **{k: node[k] for k in links}}


def document_from_links(links: list[Link], schema: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for link in links:
        _insert(tree, link.keys, link.as_core_json())
    info = schema.get("info", {})
    meta = {"title": info.get("title", "API")}
    if info.get("description"):
        meta["description"] = info["description"]
    return {"_type": "document", "_meta": meta, **_ordered(tree)}


def build_document(schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Core JSON document (a plain dict) for the OpenAPI `schema` (default: the live one)."""
    schema = openapi_schema() if schema is None else schema
    return document_from_links(build_links(schema), schema)


@dataclass(frozen=True)
class BuiltDocs:
    document: dict[str, Any]
    # keys -> names of the fields that are file uploads. Core JSON types them `string`, as
    # DRF 3.16 did; the HTML page shows them as `-f name=<file>`.
    file_fields: dict[tuple[str, ...], frozenset[str]]


_cache: dict[str, BuiltDocs] = {}
_cache_lock = threading.Lock()


def get_built() -> BuiltDocs:
    """The docs for the current URL conf, built on first use: they change only with the code
    (building takes tens of milliseconds, too slow for every request)."""
    with _cache_lock:
        key = str(settings.ROOT_URLCONF)
        if key not in _cache:
            schema = openapi_schema()
            links = build_links(schema)
            _cache[key] = BuiltDocs(
                document=document_from_links(links, schema),
                file_fields={
                    link.keys: frozenset(f.name for f in link.fields if f.is_file) for link in links
                },
            )
        return _cache[key]


def get_document() -> dict[str, Any]:
    return get_built().document


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "REST_FRAMEWORK", "SPECTACULAR_SETTINGS"}:
        clear_cache()


setting_changed.connect(_on_setting_changed)


def iter_links(
    node: dict[str, Any], keys: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every `(keys, link)` of a Core JSON document, in document order."""
    found = []
    for key, value in node.items():
        if key.startswith("_") or not isinstance(value, dict):
            continue
        if value.get("_type") == "link":
            found.append(((*keys, key), value))
        else:
            found.extend(iter_links(value, (*keys, key)))
    return found


# --- Rendering -------------------------------------------------------------------------------


def _error_title(data: Any, status_code: int) -> str:
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        return f"{status_code} {data['detail']}"
    return str(status_code)


class CoreJSONRenderer(BaseRenderer):
    """`application/coreapi+json`: the document, or an error node the client prints as
    `<Error: ...>` (an unrendered error would otherwise become a 500)."""

    media_type = CORE_JSON
    format = "corejson"
    charset = None  # JSON is UTF-8 by definition

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            data = {"_type": "error", "_meta": {"title": _error_title(data, response.status_code)}, **(
                data if isinstance(data, dict) else {"detail": data}
            )}
        return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


class VndCoreJSONRenderer(CoreJSONRenderer):
    """The same document under the media type older coreapi clients ask for."""

    media_type = VND_CORE_JSON


def _command(keys: tuple[str, ...], fields: list[dict[str, Any]], files: frozenset[str]) -> str:
    """The `coreapi action ...` line for a link: required parameters, then [optional] ones."""
    parts = ["coreapi action", *keys]
    for item in fields:
        flag = f"-f {item['name']}=<file>" if item["name"] in files else f"-p {item['name']}=..."
        parts.append(flag if item.get("required") else f"[{flag}]")
    return " ".join(parts)


def page_context(document: dict[str, Any], request: Request) -> dict[str, Any]:
    """What the HTML page shows: each link with its method, URL, fields and coreapi command."""
    file_fields = get_built().file_fields
    sections: dict[str, list[dict[str, Any]]] = {}
    for keys, link in iter_links(document):
        fields = link.get("fields", [])
        files = file_fields.get(keys, frozenset())
        sections.setdefault(keys[0], []).append(
            {
                "name": " > ".join(keys[1:]) or keys[0],
                "keys": " ".join(keys),
                "method": link["action"].upper(),
                "url": link["url"],
                "title": link.get("title", ""),
                "description": link.get("description", ""),
                "encoding": link.get("encoding", ""),
                "fields": [
                    {
                        "name": f["name"],
                        "required": f.get("required", False),
                        "location": f["location"],
                        "type": "file" if f["name"] in files else f["schema"]["_type"],
                        "enum": f["schema"].get("enum"),
                        "description": f["schema"].get("description", ""),
                    }
                    for f in fields
                ],
                "command": _command(keys, fields, files),
            }
        )
    return {
        "title": document["_meta"]["title"],
        "description": document["_meta"].get("description", ""),
        "docs_url": request.build_absolute_uri(request.path),
        # The client matches credentials by host name only, without the port.
        "credentials_host": urlsplit(request.build_absolute_uri()).hostname or "",
        "swagger_url": _reverse_or_empty("swagger-ui"),
        "redoc_url": _reverse_or_empty("redoc"),
        "schema_url": _reverse_or_empty("schema"),
        "sections": sorted(sections.items()),
    }


def _reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


class DocsHTMLRenderer(BaseRenderer):
    """A readable page of the same document for browsers (and any client accepting `*/*`)."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> str:
        context = renderer_context or {}
        request = context["request"]
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            return render_to_string(
                "docs/error.html",
                {"status_code": response.status_code, "title": _error_title(data, response.status_code)},
                request=request,
            )
        return render_to_string("docs/index.html", page_context(data, request), request=request)


class FormatFirstNegotiation(DefaultContentNegotiation):
    """`?format=corejson` / `?format=html` wins over the Accept header (DRF would answer 406
    to a browser asking for `?format=corejson` with `Accept: text/html` only)."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if wanted:
            matching = [renderer for renderer in renderers if renderer.format == wanted]
            if not matching:
                raise NotAcceptable(available_renderers=renderers)
            return matching[0], matching[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


class CoreAPIDocsView(APIView):
    """The API for the coreapi CLI (`application/coreapi+json`) and for browsers (HTML).

    Public and with authentication switched off: an expired token left in the client's
    `headers.json` or `credentials.json` must not break `coreapi get`."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [DocsHTMLRenderer, CoreJSONRenderer, VndCoreJSONRenderer]
    content_negotiation_class = FormatFirstNegotiation
    schema = None  # documents the API; not part of it

    def get(self, request: Request) -> Response:
        return Response(get_document())
