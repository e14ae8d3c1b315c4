"""End to end with the real coreapi command-line client (CONTRACT section 9, issue 4).

A live server runs the app; the `coreapi` executable installed next to this Python (the venv's,
from requirements-dev.txt) fetches `/docs/` and calls every action the seed docs show, with the
parameters the seed shows, in a throwaway `COREAPI_CONFIG_DIR`. Each result is parsed from the
CLI's output (it prints JSON results as JSON) and checked.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from accounts.tests.factories import PASSWORD, UserFactory
from calendars.tests.factories import AvailabilityFactory, CalendarFactory, InviteeFactory
from contacts.tests.factories import ContactFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

COREAPI = Path(sys.executable).parent / "coreapi"
ALICE_PASSWORD = "Calendar-owner-2030"
ALICE_NEW_PASSWORD = "Brand-new-secret-2031"
BOB_PASSWORD = "Invitee-password-2030"


@dataclass
class Cli:
    """Runs `coreapi ...` against the live server, with its own config folder."""

    base_url: str
    config_dir: Path

    @property
    def host(self) -> str:
        # Credentials are matched by host name only (no port), as the client looks them up.
        return urlsplit(self.base_url).hostname or ""

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        """`command` as typed after `coreapi` in a shell, e.g. `action calendars list`."""
        args = shlex.split(command)
        env = {**os.environ, "COREAPI_CONFIG_DIR": str(self.config_dir), "PYTHONWARNINGS": "ignore"}
        # Generous: one command is well under a second, but on a loaded CI machine (load
        # average 13 was seen) the client's start-up alone took most of a minute.
        return subprocess.run(
            [str(COREAPI), *args], capture_output=True, text=True, env=env, timeout=300, check=False
        )

    def ok(self, command: str) -> str:
        result = self.run(command)
        assert result.returncode == 0, f"coreapi {command}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def action(self, command: str) -> Any:
        """`coreapi action <command>`: the JSON the server answered (None for an empty body)."""
        out = self.ok(f"action {command}").strip()
        return json.loads(out) if out else None

    def fails(self, command: str) -> str:
        """`coreapi action <command>` that must fail; the CLI prints `<Error: 401 ...>`."""
        result = self.run(f"action {command}")
        assert result.returncode != 0, f"coreapi action {command} should fail:\n{result.stdout}"
        return result.stdout

    def use_token(self, access: str) -> None:
        self.ok(f'credentials add {self.host} "Bearer {access}"')


@pytest.fixture
def cli(live_server, tmp_path) -> Cli:
    if not COREAPI.exists():
        pytest.skip(
            f"the coreapi CLI is not installed at {COREAPI}: "
            'pip install -r requirements-dev.txt (coreapi-cli==1.0.9, coreapi==2.3.3, "setuptools<82")'
        )
    config_dir = tmp_path / "coreapi-config"
    config_dir.mkdir()
    return Cli(base_url=live_server.url, config_dir=config_dir)


def png_file(path: Path) -> Path:
    Image.new("RGB", (12, 9), (20, 120, 200)).save(path, format="PNG")
    return path


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the live test server)
        return response.status, response.headers.get("Content-Type", ""), response.read()


def register(cli: Cli, username: str, password: str, first_name: str) -> None:
    created = cli.action(
        f"accounts register create -p username={username} -p first_name={first_name} "
        f"-p last_name=Example -p email={username}@example.com -p password={password} "
        f"-p confirm_password={password}"
    )
    assert created == {
        "username": username,
        "first_name": first_name,
        "last_name": "Example",
        "email": f"{username}@example.com",
    }


def test_the_coreapi_cli_drives_every_seed_action(cli, tmp_path):
    # A stale token left in the client must not break the public endpoints.
    cli.use_token("stale.token.value")
    shown = cli.ok(f"get {cli.base_url}/docs/")
    assert shown.startswith(f'<OneOnOne API "{cli.base_url}/docs/">')
    assert "create(username, password)" in shown
    assert "update(calendar_id, id, start_period, end_period, preference)" in shown

    register(cli, "alice", ALICE_PASSWORD, "Alice")
    register(cli, "bob", BOB_PASSWORD, "Bob")

    # --- accounts and tokens -------------------------------------------------------------
    login = cli.action(f"accounts login create -p username=alice -p password={ALICE_PASSWORD}")
    assert set(login) == {"refresh", "access", "token"}
    assert login["token"] == login["access"]
    assert "401" in cli.fails("calendars list")  # the stale token is refused where auth counts
    cli.use_token(login["access"])

    profile = cli.action("accounts profile list")
    assert profile["user"]["username"] == "alice"
    assert profile["profile_picture"] is None
    alice_id = profile["user"]["id"]

    picture = png_file(tmp_path / "me.png")
    profile = cli.action(
        "accounts profile update -p first_name=Alicia -p last_name=Owner -p email=alicia@example.com "
        f"-f profile_picture={picture}"
    )
    assert profile["user"] == {
        "id": alice_id,
        "username": "alice",
        "first_name": "Alicia",
        "last_name": "Owner",
        "email": "alicia@example.com",
    }
    status, content_type, data = fetch(profile["profile_picture"])
    assert (status, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(data)).size == (12, 9)

    pair = cli.action(f"api token create -p username=bob -p password={BOB_PASSWORD}")
    assert set(pair) == {"refresh", "access"}
    refreshed = cli.action(f"api token refresh create -p refresh={pair['refresh']}")
    assert refreshed["access"] and refreshed["access"] != pair["access"]
    bob_token = refreshed["access"]  # bob works with the refreshed token from here on

    # --- contacts: alice asks, bob accepts -----------------------------------------------
    sent = cli.action("contacts friendRequests user create -p requested=bob")
    assert sent == {"message": "Friend request sent to bob"}
    cli.use_token(bob_token)
    requests = cli.action("contacts friendRequests list")
    assert [r["requester_username"] for r in requests] == ["alice"]
    answered = cli.action("contacts friendRequests request create -p username=alice -p action=true")
    assert answered == {"message": "User with username: alice has been accepted"}
    assert cli.action("contacts friendRequests list") == []
    bob_id = cli.action("accounts profile list")["user"]["id"]
    cli.use_token(login["access"])
    contacts = cli.action("contacts list")
    assert contacts["friends"] == ["bob"]
    assert [c["id"] for c in contacts["contacts"]] == [bob_id]

    # --- calendars -----------------------------------------------------------------------
    calendar = cli.action("calendars create -p name=Team -p start_date=2030-06-03 -p end_date=2030-06-04")
    cal_id = calendar["id"]
    assert {k: calendar[k] for k in ("name", "start_date", "end_date", "finalized", "owner")} == {
        "name": "Team",
        "start_date": "2030-06-03",
        "end_date": "2030-06-04",
        "finalized": False,
        "owner": alice_id,
    }
    assert [c["id"] for c in cli.action("calendars list")] == [cal_id]
    assert cli.action(f"calendars read -p id={cal_id}")["name"] == "Team"
    renamed = cli.action(
        f"calendars update -p id={cal_id} -p 'name=Team sync' -p start_date=2030-06-03 -p end_date=2030-06-04"
    )
    assert renamed["name"] == "Team sync"
    assert cli.action(f"calendars read -p id={cal_id}")["name"] == "Team sync"

    # --- invitees ------------------------------------------------------------------------
    invitation = cli.action(
        f"calendars invitee create -p calendar_id={cal_id} -p invitee={bob_id} "
        "-p deadline=2030-06-02T12:00:00Z"
    )
    invitation_id = invitation["id"]
    assert {k: invitation[k] for k in ("calendar", "invitee", "deadline", "has_availability")} == {
        "calendar": cal_id,
        "invitee": bob_id,
        "deadline": "2030-06-02T12:00:00Z",
        "has_availability": False,
    }
    listed = cli.action(f"calendars invitee list -p calendar_id={cal_id}")
    assert [i["id"] for i in listed] == [invitation_id]
    read = cli.action(f"calendars invitee read -p calendar_id={cal_id} -p id={invitation_id}")
    assert (read["id"], read["invitee"]) == (invitation_id, bob_id)
    updated = cli.action(
        f"calendars invitee update -p calendar_id={cal_id} -p id={invitation_id} -p invitee={bob_id} "
        "-p deadline=2030-06-02T18:00:00Z"
    )
    assert updated["deadline"] == "2030-06-02T18:00:00Z"

    # --- availabilities: the owner's window, then the invitee's ---------------------------
    mine = cli.action(
        f"calendars availabilities create -p calendar_id={cal_id} -p start_period=2030-06-03T09:00:00Z "
        "-p end_period=2030-06-03T12:00:00Z -p preference=3"
    )
    assert (mine["user"], mine["calendar"], mine["preference"]) == (alice_id, cal_id, "3")
    cli.use_token(bob_token)
    theirs = cli.action(
        f"calendars availabilities create -p calendar_id={cal_id} -p start_period=2030-06-03T13:00:00Z "
        "-p end_period=2030-06-03T14:00:00Z -p preference=1"
    )
    availability_id = theirs["id"]
    read = cli.action(f"calendars availabilities read -p calendar_id={cal_id} -p id={availability_id}")
    assert (read["user"], read["start_period"]) == (bob_id, "2030-06-03T13:00:00Z")
    moved = cli.action(
        f"calendars availabilities update -p calendar_id={cal_id} -p id={availability_id} "
        "-p start_period=2030-06-03T10:00:00Z -p end_period=2030-06-03T11:00:00Z -p preference=2"
    )
    assert (moved["start_period"], moved["end_period"], moved["preference"]) == (
        "2030-06-03T10:00:00Z",
        "2030-06-03T11:00:00Z",
        "2",
    )
    own = cli.action(f"calendars availabilities list -p calendar_id={cal_id}")
    assert [a["id"] for a in own] == [availability_id]  # an invitee sees only their own
    cli.use_token(login["access"])
    everyone = cli.action(f"calendars availabilities list -p calendar_id={cal_id}")
    assert sorted(a["id"] for a in everyone) == sorted([mine["id"], availability_id])
    read = cli.action(f"calendars invitee read -p calendar_id={cal_id} -p id={invitation_id}")
    assert read["has_availability"] is True

    # --- schedule ------------------------------------------------------------------------
    generated = cli.action(f"calendars schedule create -p calendar_id={cal_id}")
    assert generated["detail"] == "Schedule created successfully."
    assert (generated["unscheduled"], generated["optimal"]) == ([], True)
    [meet] = generated["meets"]
    # Both are free 10:00-11:00 (bob's window); the earliest 30-minute slot breaks the tie.
    assert (meet["meeter"], meet["start_period"], meet["end_period"]) == (
        bob_id,
        "2030-06-03T10:00:00Z",
        "2030-06-03T10:30:00Z",
    )
    listed = cli.action(f"calendars schedule list -p calendar_id={cal_id}")
    assert [(m["meeter"], m["start_period"]) for m in listed] == [(bob_id, "2030-06-03T10:00:00Z")]
    edited = cli.action(
        f"calendars schedule update -p calendar_id={cal_id} "
        f"""--data 'meets=[{{"meeter": {bob_id}, "start_period": "2030-06-03T10:30:00Z"}}]'"""
    )
    assert [(m["meeter"], m["start_period"], m["end_period"]) for m in edited] == [
        (bob_id, "2030-06-03T10:30:00Z", "2030-06-03T11:00:00Z")
    ]
    assert cli.action(f"calendars schedule delete -p calendar_id={cal_id}") == {}
    assert cli.action(f"calendars schedule list -p calendar_id={cal_id}") == []

    # --- tearing down: availability, invitation, finalize, delete ------------------------
    cli.use_token(bob_token)
    deleted = cli.action(f"calendars availabilities delete -p calendar_id={cal_id} -p id={availability_id}")
    assert deleted == {}
    assert cli.action(f"calendars availabilities list -p calendar_id={cal_id}") == []
    cli.use_token(login["access"])
    assert cli.action(f"calendars invitee delete -p calendar_id={cal_id} -p id={invitation_id}") == {}
    assert cli.action(f"calendars invitee list -p calendar_id={cal_id}") == []
    finalized = cli.action(
        f"calendars finalize -p id={cal_id} -p 'name=Team sync' "
        "-p start_date=2030-06-03 -p end_date=2030-06-04"
    )
    assert finalized == {"detail": "Calendar has been successfully finalized."}
    assert cli.action(f"calendars read -p id={cal_id}")["finalized"] is True
    assert cli.action(f"calendars delete -p id={cal_id}") == {}
    assert cli.action("calendars list") == []
    assert "404" in cli.fails(f"calendars read -p id={cal_id}")

    # --- removing the friend -------------------------------------------------------------
    assert cli.action("contacts friendRequests user delete -p username=bob") is None  # 204, no body
    assert cli.action("contacts list")["friends"] == []

    # --- the password trio of the profile update; it revokes the earlier tokens ----------
    cli.action(
        f"accounts profile update -p current_password={ALICE_PASSWORD} -p new_password={ALICE_NEW_PASSWORD} "
        f"-p confirm_password={ALICE_NEW_PASSWORD}"
    )
    assert "401" in cli.fails("accounts profile list")
    relogin = cli.action(f"accounts login create -p username=alice -p password={ALICE_NEW_PASSWORD}")
    cli.use_token(relogin["access"])
    assert cli.action("accounts profile list")["user"]["first_name"] == "Alicia"


def test_the_client_checks_missing_and_unknown_parameters_before_sending(cli):
    """The document declares every parameter, so the client refuses bad calls itself."""
    cli.ok(f"get {cli.base_url}/docs/")
    missing = cli.run("action calendars availabilities list")
    assert missing.returncode != 0
    assert "{'calendar_id': 'This parameter is required.'}" in missing.stderr
    unknown = cli.run("action accounts login create -p username=a -p password=b -p x=1")
    assert unknown.returncode != 0
    assert "{'x': 'Unknown parameter.'}" in unknown.stderr
    described = cli.ok("describe calendars finalize").splitlines()
    assert described[-4:] == ["* id", "* [name]", "* [start_date]", "* [end_date]"]


def test_credentials_stored_for_another_host_name_are_not_sent(cli):
    """The client keys credentials by host name: a token stored under the wrong name is a 401."""
    cli.ok(f"get {cli.base_url}/docs/")
    register(cli, "carol", "Carol-password-2030", "Carol")
    token = cli.action("api token create -p username=carol -p password=Carol-password-2030")
    other = "127.0.0.1" if cli.host != "127.0.0.1" else "localhost"
    cli.ok(f'credentials add {other} "Bearer {token["access"]}"')
    assert "401" in cli.fails("accounts profile list")
    cli.use_token(token["access"])
    assert cli.action("accounts profile list")["user"]["username"] == "carol"


def test_the_coreapi_cli_drives_the_commands_beyond_the_seed(cli, mailoutbox):
    """CONTRACT section 8's routes and PATCH, as `coreapi action` commands (data made directly)."""
    alice, bob, carol, dave = (UserFactory(username=name) for name in ("alice", "bob", "carol", "dave"))
    for friend in (bob, carol, dave):
        ContactFactory(requester=alice, requested=friend)
    calendar = CalendarFactory(owner=alice, name="Reviews")  # 2030-04-01 to 2030-04-05
    cal_id = calendar.id
    InviteeFactory(calendar=calendar, invitee=bob)
    carol_invitation = InviteeFactory(calendar=calendar, invitee=carol)
    nine = datetime(2030, 4, 1, 9, tzinfo=UTC)
    mine = AvailabilityFactory(calendar=calendar, user=alice, start_period=nine)
    AvailabilityFactory(calendar=calendar, user=bob, start_period=nine)

    def log_in(username: str) -> None:
        cli.use_token(cli.action(f"api token create -p username={username} -p password={PASSWORD}")["access"])

    cli.ok(f"get {cli.base_url}/docs/")
    log_in("alice")
    assert cli.action(f"accounts profile id read -p user_id={bob.id}")["email"] == "bob@example.org"
    assert [u["username"] for u in cli.action("accounts profile partial read -p text=aro")] == ["carol"]
    assert [c["id"] for c in cli.action("calendars owned list")] == [cal_id]
    assert [c["id"] for c in cli.action("calendars owned unfinalized list")] == [cal_id]
    assert cli.action(f"calendars partial_update -p id={cal_id} -p 'name=Design reviews'")["name"] == (
        "Design reviews"
    )
    uninvited = cli.action(f"calendars invitee uninvited list -p calendar_id={cal_id}")
    assert [u["username"] for u in uninvited] == ["dave"]
    moved = cli.action(
        f"calendars invitee partial_update -p calendar_id={cal_id} -p id={carol_invitation.id} "
        "-p deadline=2030-03-30T12:00:00Z"
    )
    assert moved["deadline"] == "2030-03-30T12:00:00Z"
    preferred = cli.action(
        f"calendars availabilities partial_update -p calendar_id={cal_id} -p id={mine.id} -p preference=3"
    )
    assert preferred["preference"] == "3"
    cli.action(f"calendars schedule create -p calendar_id={cal_id}")
    ics = cli.ok(f"action calendars schedule ics list -p calendar_id={cal_id}")  # text/calendar, as is
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 1

    reminded = cli.action(f"calendars email create -p id={cal_id}")  # carol has no availability yet
    assert reminded["sent"] == 1
    assert cli.action(f"calendars email username create -p id={cal_id} -p username=bob")["sent"] == 1
    recipients = " ".join(address for message in mailoutbox for address in message.to)
    assert "<carol@example.org>" in recipients and "<bob@example.org>" in recipients

    log_in("carol")
    assert [c["id"] for c in cli.action("calendars invited list")] == [cal_id]
    assert [c["id"] for c in cli.action("calendars status list")] == [cal_id]
    assert cli.action(f"calendars invitee remove-invitation delete -p calendar_id={cal_id}") == {}
    assert cli.action("calendars invited list") == []

    log_in("bob")
    assert cli.action(f"calendars availabilities bulk-delete delete -p calendar_id={cal_id}") == {}
    assert cli.action(f"calendars availabilities list -p calendar_id={cal_id}") == []

    log_in("alice")
    cli.action(f"calendars finalize -p id={cal_id}")
    sent = len(mailoutbox)
    finalized = cli.action(f"calendars email finalize create -p id={cal_id}")
    assert finalized["sent"] >= 1 and len(mailoutbox) == sent + finalized["sent"]
