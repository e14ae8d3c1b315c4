"""`/docs/`: the Core JSON document the coreapi CLI reads, and the HTML page (CONTRACT section 9).

The seed docs fix the command names (`coreapi action calendars availabilities create -p
calendar_id=...`); `SEED_LINKS` pins each of them with its URL, method, encoding and fields,
and `ALL_KEYS` pins every link key, so a renamed command or a new endpoint shows up here.
"""

from __future__ import annotations

import json

import pytest

from oneonone import docs

CLI_ACCEPT = "application/coreapi+json, application/vnd.coreapi+json, */*"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

P, F, Q = "path", "form", "query"
ANY = None  # either required or optional: the contract leaves it to the implementation

# keys -> (url, method, encoding, {field: (location, required)}). Body and path fields are
# checked exactly (a field the server does not declare cannot be sent with `-p`; an extra
# required one breaks the seed's command); query fields are optional extras (pagination).
SEED_LINKS: dict[str, tuple[str, str, str | None, dict[str, tuple[str, bool | None]]]] = {
    "accounts login create": (
        "/accounts/login/", "post", "application/json",
        {"username": (F, True), "password": (F, True)},
    ),
    "accounts profile list": ("/accounts/profile/", "get", None, {}),
    "accounts profile update": (
        "/accounts/profile/", "put", "multipart/form-data",
        {
            "first_name": (F, False), "last_name": (F, False), "email": (F, False),
            "profile_picture": (F, False), "email_notifications": (F, False),
            "current_password": (F, False), "new_password": (F, False), "confirm_password": (F, False),
        },
    ),
    "accounts register create": (
        "/accounts/register/", "post", "application/json",
        {
            "username": (F, True), "first_name": (F, True), "last_name": (F, True),
            "email": (F, True), "password": (F, True), "confirm_password": (F, True),
        },
    ),
    "api token create": (
        "/api/token/", "post", "application/json", {"username": (F, True), "password": (F, True)},
    ),
    "api token refresh create": ("/api/token/refresh/", "post", "application/json", {"refresh": (F, True)}),
    "calendars list": ("/calendars/", "get", None, {}),
    "calendars create": (
        "/calendars/", "post", "application/json",
        {
            "name": (F, True), "start_date": (F, True), "end_date": (F, True),
            "timezone": (F, False), "meeting_duration": (F, False),
        },
    ),
    "calendars read": ("/calendars/{id}/", "get", None, {"id": (P, True)}),
    "calendars update": (
        "/calendars/{id}/", "put", "application/json",
        {
            "id": (P, True), "name": (F, True), "start_date": (F, ANY), "end_date": (F, ANY),
            "timezone": (F, ANY), "meeting_duration": (F, ANY),
        },
    ),
    "calendars delete": ("/calendars/{id}/", "delete", None, {"id": (P, True)}),
    "calendars finalize": (
        "/calendars/{id}/finalize/", "put", "application/json",
        {"id": (P, True), "name": (F, False), "start_date": (F, False), "end_date": (F, False)},
    ),
    "calendars availabilities list": (
        "/calendars/{calendar_id}/availabilities/", "get", None, {"calendar_id": (P, True)},
    ),
    "calendars availabilities create": (
        "/calendars/{calendar_id}/availabilities/", "post", "application/json",
        {
            "calendar_id": (P, True), "start_period": (F, True), "end_period": (F, True),
            "preference": (F, True),
        },
    ),
    "calendars availabilities read": (
        "/calendars/{calendar_id}/availabilities/{id}/", "get", None,
        {"calendar_id": (P, True), "id": (P, True)},
    ),
    "calendars availabilities update": (
        "/calendars/{calendar_id}/availabilities/{id}/", "put", "application/json",
        {
            "calendar_id": (P, True), "id": (P, True), "start_period": (F, True),
            "end_period": (F, True), "preference": (F, True),
        },
    ),
    "calendars availabilities delete": (
        "/calendars/{calendar_id}/availabilities/{id}/", "delete", None,
        {"calendar_id": (P, True), "id": (P, True)},
    ),
    "calendars invitee list": ("/calendars/{calendar_id}/invitee/", "get", None, {"calendar_id": (P, True)}),
    "calendars invitee create": (
        "/calendars/{calendar_id}/invitee/", "post", "application/json",
        {"calendar_id": (P, True), "invitee": (F, True), "deadline": (F, False)},
    ),
    "calendars invitee read": (
        "/calendars/{calendar_id}/invitee/{id}/", "get", None, {"calendar_id": (P, True), "id": (P, True)},
    ),
    "calendars invitee update": (
        "/calendars/{calendar_id}/invitee/{id}/", "put", "application/json",
        {"calendar_id": (P, True), "id": (P, True), "invitee": (F, ANY), "deadline": (F, ANY)},
    ),
    "calendars invitee delete": (
        "/calendars/{calendar_id}/invitee/{id}/", "delete", None, {"calendar_id": (P, True), "id": (P, True)},
    ),
    "calendars schedule list": (
        "/calendars/{calendar_id}/schedule/", "get", None, {"calendar_id": (P, True)},
    ),
    # Generating a schedule takes no input: `schedule create -p calendar_id=...` must be enough.
    "calendars schedule create": (
        "/calendars/{calendar_id}/schedule/", "post", None, {"calendar_id": (P, True)},
    ),
    "calendars schedule update": (
        "/calendars/{calendar_id}/schedule/", "put", "application/json",
        {"calendar_id": (P, True), "meets": (F, True)},
    ),
    "calendars schedule delete": (
        "/calendars/{calendar_id}/schedule/", "delete", None, {"calendar_id": (P, True)},
    ),
    "contacts list": ("/contacts/", "get", None, {}),
    "contacts friendRequests list": ("/contacts/friendRequests/", "get", None, {}),
    "contacts friendRequests request create": (
        "/contacts/friendRequests/request/", "post", "application/json",
        {"username": (F, True), "action": (F, True)},
    ),
    "contacts friendRequests user create": (
        "/contacts/friendRequests/user/", "post", "application/json", {"requested": (F, True)},
    ),
    "contacts friendRequests user delete": (
        "/contacts/friendRequests/user/", "delete", "application/json", {"username": (F, True)},
    ),
}

# Every link key of the document. A new endpoint adds a line here (its command name is part of
# the public interface); a key that disappears or changes is a renamed CLI command.
ALL_KEYS = sorted(
    [
        *SEED_LINKS,
        # PATCH, where the routes allow it (DRF 3.16 showed it as `partial_update` too)
        "calendars partial_update",
        "calendars availabilities partial_update",
        "calendars invitee partial_update",
        # CONTRACT section 8: what the web client calls besides the seed
        "accounts profile id read",
        "accounts profile partial read",
        "calendars owned list",
        "calendars owned unfinalized list",
        "calendars invited list",
        "calendars status list",
        "calendars invitee uninvited list",
        "calendars invitee remove-invitation delete",
        "calendars availabilities bulk-delete delete",
        "calendars email create",  # POST /calendars/{id}/email/
        "calendars email username create",  # POST /calendars/{id}/email/{username}/
        "calendars email finalize create",
        "calendars schedule ics list",
    ]
)


def link_map(document):
    return {" ".join(keys): link for keys, link in docs.iter_links(document)}


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        docs.clear_cache()
        return docs.get_document()


def get_docs(client, path="/docs/", accept=CLI_ACCEPT, **headers):
    return client.get(path, HTTP_ACCEPT=accept, **headers)


class TestCoreJSON:
    def test_it_serves_a_core_json_document_to_the_coreapi_client(self, client):
        response = get_docs(client)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/coreapi+json"
        body = json.loads(response.content)
        assert body["_type"] == "document"
        assert body["_meta"]["title"] == "OneOnOne API"
        assert {"accounts", "api", "calendars", "contacts"} <= set(body)

    def test_it_leaves_out_meta_url_so_the_client_resolves_links_against_the_url_it_fetched(self, client):
        body = json.loads(get_docs(client).content)
        assert "url" not in body["_meta"]
        for keys, link in docs.iter_links(body):
            assert link["url"].startswith("/"), keys

    def test_it_answers_with_and_without_the_trailing_slash(self, client):
        with_slash = get_docs(client, "/docs/")
        without = get_docs(client, "/docs")
        assert with_slash.status_code == without.status_code == 200
        assert json.loads(with_slash.content) == json.loads(without.content)

    def test_it_serves_the_vnd_media_type_too(self, client):
        response = get_docs(client, accept="application/vnd.coreapi+json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.coreapi+json"
        assert json.loads(response.content)["_type"] == "document"

    @pytest.mark.parametrize("header", ["Bearer xxx", "Bearer ", "Basic Zm9vOmJhcg==", "garbage"])
    def test_a_stale_or_garbage_authorization_header_does_not_break_it(self, client, header):
        response = get_docs(client, HTTP_AUTHORIZATION=header)
        assert response.status_code == 200
        assert json.loads(response.content)["_type"] == "document"

    def test_format_corejson_overrides_the_accept_header(self, client):
        for accept in ("text/html", BROWSER_ACCEPT, "application/json"):
            response = get_docs(client, "/docs/?format=corejson", accept=accept)
            assert response.status_code == 200, accept
            assert response["Content-Type"] == "application/coreapi+json"
            assert json.loads(response.content)["_type"] == "document"

    @pytest.mark.parametrize("accept", ["application/json", "image/png", "application/xml"])
    def test_an_unsupported_accept_is_406_not_500(self, client, accept):
        response = get_docs(client, accept=accept)
        assert response.status_code == 406
        assert response["Content-Type"].startswith("text/html")
        assert b"406" in response.content

    def test_an_unknown_format_is_406(self, client):
        assert get_docs(client, "/docs/?format=xml").status_code == 406

    def test_an_error_asked_for_as_core_json_is_a_core_json_error_node(self, client):
        response = client.post("/docs/?format=corejson", HTTP_ACCEPT=CLI_ACCEPT)
        assert response.status_code == 405
        body = json.loads(response.content)
        assert body["_type"] == "error"
        assert body["_meta"]["title"].startswith("405")

    def test_it_does_not_appear_in_the_openapi_schema(self, client):
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
        assert not [path for path in schema["paths"] if path.startswith("/docs")]

    def test_the_document_is_built_once_and_reused(self, client, monkeypatch):
        docs.clear_cache()
        calls = []
        real = docs.openapi_schema
        monkeypatch.setattr(docs, "openapi_schema", lambda: calls.append(1) or real())
        for _ in range(3):
            assert get_docs(client).status_code == 200
        assert get_docs(client, accept="text/html").status_code == 200
        assert len(calls) == 1


class TestLinks:
    def test_every_link_key_is_pinned(self, document):
        actual = set(link_map(document))
        missing, unexpected = sorted(set(ALL_KEYS) - actual), sorted(actual - set(ALL_KEYS))
        assert {"missing": missing, "unexpected": unexpected} == {"missing": [], "unexpected": []}

    @pytest.mark.parametrize("keys", sorted(SEED_LINKS))
    def test_each_seed_command_has_the_seed_url_method_encoding_and_fields(self, document, keys):
        url, method, encoding, fields = SEED_LINKS[keys]
        links = link_map(document)
        assert keys in links, f"`coreapi action {keys}` is missing from /docs/"
        link = links[keys]
        assert (link["url"], link["action"], link.get("encoding")) == (url, method, encoding)
        declared = {f["name"]: f for f in link.get("fields", [])}
        non_query = {name for name, f in declared.items() if f["location"] != Q}
        assert non_query == set(fields)
        for name, (location, required) in fields.items():
            assert declared[name]["location"] == location, name
            if required is not ANY:
                assert declared[name].get("required", False) is required, name
        for f in declared.values():
            if f["location"] == Q:
                assert not f.get("required"), f"query parameter {f['name']} must stay optional"

    def test_path_fields_are_named_as_in_the_url_and_come_first(self, document):
        for keys, link in docs.iter_links(document):
            variables = docs._PATH_VARIABLE.findall(link["url"])
            fields = link.get("fields", [])
            assert [f["name"] for f in fields[: len(variables)]] == variables, keys
            assert all(f["location"] == P and f["required"] for f in fields[: len(variables)]), keys

    def test_fields_follow_the_core_json_format(self, document):
        types = {"string", "integer", "number", "boolean", "array", "object", "enum", "anything"}
        for keys, link in docs.iter_links(document):
            assert set(link) <= {"_type", "url", "action", "encoding", "title", "description", "fields"}
            if "encoding" in link:
                assert any(f["location"] in (F, "body") for f in link["fields"]), keys
            for f in link.get("fields", []):
                assert set(f) <= {"name", "required", "location", "schema"}
                assert f.get("required", True) is True, "required is omitted when false"
                assert f["location"] in (P, Q, F, "body")
                assert f["schema"]["_type"] in types
                if f["schema"]["_type"] == "enum":
                    assert f["schema"]["enum"]

    def test_the_coreapi_codec_decodes_it_into_the_seed_links(self, client):
        """The real client library (a test dependency only) reads the document as the CLI will."""
        coreapi = pytest.importorskip("coreapi")
        body = get_docs(client).content
        doc = coreapi.codecs.CoreJSONCodec().decode(body, base_url="http://127.0.0.1:8000/docs/")
        assert isinstance(doc, coreapi.Document)
        link = doc["accounts"]["profile"]["update"]
        assert isinstance(link, coreapi.Link)
        assert (link.action, link.encoding) == ("put", "multipart/form-data")
        assert doc["accounts"]["login"]["create"].url == "http://127.0.0.1:8000/accounts/login/"


    def test_the_coreapi_codec_round_trips_it_unchanged(self, document):
        """Every node and attribute is one the Core JSON codec knows: nothing is lost or added."""
        coreapi = pytest.importorskip("coreapi")
        codec = coreapi.codecs.CoreJSONCodec()
        again = json.loads(codec.encode(codec.decode(json.dumps(document).encode())))
        assert again.pop("_meta") == document["_meta"]
        assert again == {k: v for k, v in document.items() if k != "_meta"}


class TestHTMLPage:
    def test_a_browser_gets_a_readable_page_with_the_coreapi_commands(self, client):
        response = get_docs(client, accept=BROWSER_ACCEPT)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        page = response.content.decode()
        assert "coreapi get http://testserver/docs/" in page
        interact = "# Interact with the API endpoint\n$ coreapi action "
        assert interact + "accounts login create -p username=... -p password=...</pre>" in page
        assert interact + "accounts profile update [-p first_name=...]" in page
        assert interact + "calendars availabilities create -p calendar_id=... -p start_period=..." in page
        assert "[-f profile_picture=&lt;file&gt;]" in page
        assert 'coreapi credentials add testserver "Bearer &lt;access&gt;"' in page
        assert 'href="/api/schema/swagger-ui"' in page
        assert 'href="/api/schema/redoc"' in page

    def test_it_lists_every_link_with_its_method_url_and_command(self, client, document):
        page = get_docs(client, accept="text/html").content.decode()
        for keys, link in docs.iter_links(document):
            assert f"$ coreapi action {' '.join(keys)}" in page
            assert f'<code>{link["url"]}</code>' in page
        assert page.count('<section class="action"') == len(docs.iter_links(document))

    def test_any_media_type_gets_the_page(self, client):
        response = get_docs(client, accept="*/*")
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert client.get("/docs/").status_code == 200  # no Accept header at all

    def test_format_html_overrides_the_accept_header(self, client):
        response = get_docs(client, "/docs/?format=html", accept="application/coreapi+json")
        assert response["Content-Type"] == "text/html; charset=utf-8"


def schema_with(paths, components=None):
    return {"openapi": "3.0.3", "info": {"title": "T"}, "paths": paths, "components": components or {}}


def op(**extra):
    return {"responses": {"200": {"description": ""}}, **extra}


def body(schema, *media_types):
    return {"requestBody": {"content": {m: {"schema": schema} for m in media_types}}}


class TestKeyRule:
    """The rule that names commands, on hand-made schemas (independent of the live routes)."""

    def keys(self, paths):
        return sorted(" ".join(k) for k, _ in docs.iter_links(docs.build_document(schema_with(paths))))

    def test_it_names_commands_after_the_static_path_and_the_method(self):
        assert self.keys(
            {
                "/things/": {"get": op(), "post": op()},
                "/things/{id}/": {"get": op(), "put": op(), "patch": op(), "delete": op()},
                "/things/{thing_id}/parts/": {"get": op()},
                "/things/{thing_id}/parts/{id}/": {"get": op()},
                "/things/mine/": {"get": op()},
                "/things/{id}/parts/bulk-delete/": {"delete": op()},
            }
        ) == [
            "things create", "things delete", "things list", "things mine list", "things partial_update",
            "things parts bulk-delete delete", "things parts list", "things parts read", "things read",
            "things update",
        ]

    def test_the_seed_finalize_command_keeps_its_name(self):
        assert self.keys({"/calendars/{id}/finalize/": {"put": op()}, "/x/": {"get": op()}}) == [
            "calendars finalize", "x list",
        ]

    def test_routes_that_would_share_a_name_are_told_apart_by_their_trailing_parameters(self):
        assert self.keys(
            {
                "/calendars/{id}/email/": {"post": op()},
                "/calendars/{id}/email/{username}/": {"post": op()},
                "/calendars/{id}/email/finalize/": {"post": op()},
            }
        ) == ["calendars email create", "calendars email finalize create", "calendars email username create"]

    def test_a_link_never_hides_a_namespace(self):
        assert self.keys(
            {
                "/calendars/{id}/finalize/": {"put": op()},
                "/calendars/{id}/finalize/preview/": {"get": op()},
                "/things/": {"post": op()},
                "/things/create/": {"post": op()},
            }
        ) == [
            "calendars finalize preview list", "calendars finalize update", "things create create",
            "things create create_0",
        ]

    def test_a_common_prefix_is_dropped_as_drf_did(self):
        assert self.keys({"/api/v1/things/": {"get": op()}, "/api/v1/others/{id}/": {"get": op()}}) == [
            "others read", "things list",
        ]
        assert docs.path_prefix(["/accounts/login/", "/api/token/"]) == "/"
        assert docs.path_prefix(["/calendars/", "/api/token/"]) == "/"

    def test_body_fields_resolve_refs_and_skip_read_only_ones(self):
        components = {
            "schemas": {
                "ThingRequest": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer", "readOnly": True},
                        "name": {"type": "string", "description": "A name"},
                        "kind": {"oneOf": [{"$ref": "#/components/schemas/KindEnum"},
                                           {"$ref": "#/components/schemas/BlankEnum"}]},
                        "size": {"allOf": [{"$ref": "#/components/schemas/Size"}], "nullable": True},
                        "photo": {"type": "string", "format": "binary"},
                    },
                    "required": ["name"],
                },
                "KindEnum": {"enum": ["a", "b"], "type": "string"},
                "BlankEnum": {"enum": [""]},
                "Size": {"type": "integer"},
            }
        }
        schema = schema_with(
            {
                "/things/": {
                    "post": op(
                        **body({"$ref": "#/components/schemas/ThingRequest"}, "multipart/form-data",
                               "application/json"),
                        parameters=[{"name": "dry_run", "in": "query", "schema": {"type": "boolean"}}],
                    )
                }
            },
            components,
        )
        link = docs.build_document(schema)["things"]["create"]
        assert link["encoding"] == "multipart/form-data"
        assert link["fields"] == [
            {"name": "name", "required": True, "location": "form",
             "schema": {"_type": "string", "title": "Name", "description": "A name"}},
            {"name": "kind", "location": "form",
             "schema": {"_type": "enum", "title": "Kind", "description": "", "enum": ["a", "b"]}},
            {"name": "size", "location": "form",
             "schema": {"_type": "integer", "title": "Size", "description": ""}},
            {"name": "photo", "location": "form",
             "schema": {"_type": "string", "title": "Photo", "description": ""}},
            {"name": "dry_run", "location": "query",
             "schema": {"_type": "boolean", "title": "Dry run", "description": ""}},
        ]

    def test_a_body_that_is_not_an_object_is_one_body_field(self):
        array = {"type": "array", "items": {"type": "integer"}}
        schema = schema_with({"/bulk/": {"post": op(**body(array, "application/json"))}})
        link = docs.build_document(schema)["bulk"]["create"]
        assert link["fields"] == [
            {"name": "data", "location": "body",
             "schema": {"_type": "array", "title": "Data", "description": ""}},
        ]
