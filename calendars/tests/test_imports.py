"""The two importers on the real data in `../shared/data/`, and schedules generated from them.

- `import_oneonone_export`: the original system's own export. Our schedules are compared with
  the meetings its greedy scheduler stored, and with an independent brute force.
- `import_doodle_csv`: a real Doodle poll. The number of invitees scheduled is checked against
  an independent maximum matching (each 50-minute option holds 50 // D meetings).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from calendars import scheduling, services
from calendars.management.commands.import_doodle_csv import parse_option
from calendars.models import Availability, Calendar, Invitee, Meet
from calendars.tests.factories import CalendarFactory, InviteeFactory
from contacts.models import Contact

pytestmark = pytest.mark.django_db

User = get_user_model()

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
EXPORT = DATA / "original-system-export.json"
DOODLE = DATA / "doodle-poll-export.csv"
needs_export = pytest.mark.skipif(not EXPORT.exists(), reason=f"the real export is not at {EXPORT}")
needs_doodle = pytest.mark.skipif(not DOODLE.exists(), reason=f"the real Doodle export is not at {DOODLE}")


def run(command: str, *args: object) -> str:
    out = StringIO()
    call_command(command, *[str(a) for a in args], stdout=out)
    return out.getvalue()


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def solve(calendar: Calendar) -> tuple[services.ScheduleInputs, scheduling.ScheduleResult]:
    inputs = services.schedule_inputs(calendar=calendar)
    result = scheduling.schedule(
        owner_windows=inputs.owner_windows, invitees=inputs.invitees, duration=inputs.duration
    )
    return inputs, result


# The original system's export --------------------------------------------------------------


@pytest.fixture(scope="module")
def export_rows() -> list[dict]:
    if not EXPORT.exists():
        pytest.skip(f"the real export is not at {EXPORT}")
    return json.loads(EXPORT.read_text())


def rows_of(rows: list[dict], model: str) -> list[dict]:
    return [row for row in rows if row["model"] == model]


def original_calendar(calendar_pk: int, rows: list[dict]) -> Calendar:
    """Our calendar imported from the original's calendar `calendar_pk` (name + owner)."""
    [original] = [r for r in rows_of(rows, "calendars.calendar") if r["pk"] == calendar_pk]
    owner = next(r for r in rows_of(rows, "auth.user") if r["pk"] == original["fields"]["owner"])
    return Calendar.objects.get(name=original["fields"]["name"], owner__username=owner["fields"]["username"])


@needs_export
def test_it_imports_every_row_of_the_original_export_in_its_timezone(export_rows):
    output = run("import_oneonone_export", EXPORT, "--timezone", "America/Toronto")
    assert (
        "Created: 5 users, 6 contacts, 4 calendars, 8 invitations, 341 availabilities, 2 meetings" in output
    )
    assert "Skipped: 0" in output

    users = {r["pk"]: r["fields"] for r in rows_of(export_rows, "auth.user")}
    for fields in users.values():
        user = User.objects.get(username=fields["username"])
        assert (user.first_name, user.last_name, user.email, user.is_active) == (
            fields["first_name"],
            fields["last_name"],
            fields["email"],
            fields["is_active"],
        )
        assert not user.has_usable_password()
    name = {pk: fields["username"] for pk, fields in users.items()}

    assert sorted(
        (c.requester.username, c.requested.username, c.accepted)
        for c in Contact.objects.select_related("requester", "requested")
    ) == sorted(
        (name[r["fields"]["requester"]], name[r["fields"]["requested"]], r["fields"]["accepted"])
        for r in rows_of(export_rows, "contacts.contacts")
    )
    for row in rows_of(export_rows, "calendars.calendar"):
        calendar = original_calendar(row["pk"], export_rows)
        fields = row["fields"]
        assert (str(calendar.start_date), str(calendar.end_date), calendar.finalized) == (
            fields["start_date"],
            fields["end_date"],
            fields["finalized"],
        )
        assert (calendar.timezone, calendar.meeting_duration) == ("America/Toronto", 60)
        for invitation in calendar.invitees.all():
            assert invitation.deadline == calendar.window_end  # the export has no deadlines
    calendar_name = {r["pk"]: r["fields"]["name"] for r in rows_of(export_rows, "calendars.calendar")}
    assert sorted(
        (i.calendar.name, i.invitee.username) for i in Invitee.objects.select_related("calendar", "invitee")
    ) == sorted(
        (calendar_name[r["fields"]["calendar"]], name[r["fields"]["invitee"]])
        for r in rows_of(export_rows, "calendars.invitee")
    )
    assert sorted(
        (a.calendar.name, a.user.username, a.start_period, a.end_period, a.preference)
        for a in Availability.objects.select_related("calendar", "user")
    ) == sorted(
        (
            calendar_name[f["calendar"]],
            name[f["user"]],
            instant(f["start_period"]),
            instant(f["end_period"]),
            f["preference"],
        )
        for f in (r["fields"] for r in rows_of(export_rows, "calendars.availability"))
    )
    assert sorted(
        (m.calendar.name, m.meeter.username, m.start_period, m.end_period)
        for m in Meet.objects.select_related("calendar", "meeter")
    ) == sorted(
        (
            calendar_name[f["calendar"]],
            name[f["meeter"]],
            instant(f["start_period"]),
            instant(f["end_period"]),
        )
        for f in (r["fields"] for r in rows_of(export_rows, "calendars.meets"))
    )
    assert "kept as stored, 59 minutes long (this calendar's meetings are 60)" in output


@needs_export
def test_in_utc_the_windows_past_a_calendars_last_day_are_skipped_with_the_reason(export_rows):
    """The original ran in Toronto: in UTC, evening windows of the last day fall after it."""
    calendars = {r["pk"]: r["fields"] for r in rows_of(export_rows, "calendars.calendar")}
    outside = sorted(
        r["pk"]
        for r in rows_of(export_rows, "calendars.availability")
        if instant(r["fields"]["end_period"])
        > dt.datetime.combine(
            dt.date.fromisoformat(calendars[r["fields"]["calendar"]]["end_date"]) + dt.timedelta(days=1),
            dt.time(),
            tzinfo=dt.UTC,
        )
    )
    assert len(outside) == 4
    output = run("import_oneonone_export", EXPORT)
    assert (
        f"Created: 5 users, 6 contacts, 4 calendars, 8 invitations, {341 - len(outside)} availabilities"
        in output
    )
    assert f"Skipped: {len(outside)}" in output
    for pk in outside:
        assert f"calendars.availability {pk}: " in output
    assert "is outside the window of calendar 'Play Lethal Company'" in output


@needs_export
def test_a_second_import_of_the_same_file_adds_nothing():
    run("import_oneonone_export", EXPORT, "--timezone", "America/Toronto")
    counts = [model.objects.count() for model in (User, Contact, Calendar, Invitee, Availability, Meet)]
    output = run("import_oneonone_export", EXPORT, "--timezone", "America/Toronto")
    assert "Created: 0 users, 0 contacts, 0 calendars, 0 invitations, 0 availabilities, 0 meetings" in output
    assert (
        "auth.user 1: username 'user1' already exists here; skipped with everything that needs them" in output
    )
    assert [
        model.objects.count() for model in (User, Contact, Calendar, Invitee, Availability, Meet)
    ] == counts


@needs_export
def test_an_existing_username_is_never_merged_into_the_existing_account(export_rows):
    someone = UserFactory(username="user3")  # registered here, not necessarily the original's user3
    output = run("import_oneonone_export", EXPORT, "--timezone", "America/Toronto")
    assert "auth.user 3: username 'user3' already exists here" in output
    assert not Calendar.objects.filter(owner=someone).exists()  # the original's user3 owned one
    assert not Invitee.objects.filter(invitee=someone).exists()
    assert not Availability.objects.filter(user=someone).exists()
    assert "calendars.calendar 5: owner 3 was not imported" in output
    renamed = run(
        "import_oneonone_export", EXPORT, "--timezone", "America/Toronto", "--on-existing", "rename"
    )
    assert "imported as 'user3_imported'" in renamed
    assert Calendar.objects.filter(owner__username="user3_imported", name="Technical Interview").exists()


@needs_export
def test_a_dry_run_reports_and_saves_nothing():
    output = run("import_oneonone_export", EXPORT, "--dry-run")
    assert "Would create: 5 users" in output and "Dry run: nothing was saved." in output
    assert not User.objects.exists() and not Calendar.objects.exists()


def test_rows_that_do_not_fit_are_skipped_with_a_reason(tmp_path):
    def user(pk, username):
        return {"model": "auth.user", "pk": pk, "fields": {"username": username, "email": "not-an-email"}}

    def window(pk, user, start, end, preference=2):
        fields = {
            "calendar": 1,
            "user": user,
            "start_period": start,
            "end_period": end,
            "preference": preference,
        }
        return {"model": "calendars.availability", "pk": pk, "fields": fields}

    rows = [
        user(1, "owner"),
        user(2, "guest"),
        user(3, "bad name!"),
        user(4, "outsider"),
        {"model": "auth.user", "pk": 5, "fields": "oops"},
        {"model": "sessions.session", "pk": "x", "fields": {}},
        {"model": "contacts.contacts", "pk": 1, "fields": {"requester": 1, "requested": 1, "accepted": True}},
        {"model": "contacts.contacts", "pk": 2, "fields": {"requester": 1, "requested": 2, "accepted": True}},
        {"model": "contacts.contacts", "pk": 3, "fields": {"requester": 2, "requested": 1, "accepted": True}},
        {
            "model": "calendars.calendar",
            "pk": 1,
            "fields": {"owner": 1, "name": "Week", "start_date": "2024-04-01", "end_date": "2024-04-05"},
        },
        {
            "model": "calendars.calendar",
            "pk": 2,
            "fields": {"owner": 1, "name": "Backwards", "start_date": "2024-04-05", "end_date": "2024-04-01"},
        },
        {"model": "calendars.invitee", "pk": 1, "fields": {"calendar": 1, "invitee": 2}},
        {"model": "calendars.invitee", "pk": 2, "fields": {"calendar": 1, "invitee": 1}},
        {"model": "calendars.invitee", "pk": 3, "fields": {"calendar": 1, "invitee": 2}},
        {"model": "calendars.invitee", "pk": 4, "fields": {"calendar": 2, "invitee": 2}},
        window(1, 1, "2024-04-01T14:00:00Z", "2024-04-01T14:59:00Z", 3),
        window(2, 2, "2024-04-01T14:00:00Z", "2024-04-01T15:00:00Z"),
        window(3, 2, "2024-04-06T14:00:00Z", "2024-04-06T15:00:00Z"),
        window(4, 4, "2024-04-01T14:00:00Z", "2024-04-01T15:00:00Z"),
        window(5, 2, "2024-04-01T15:00:00Z", "2024-04-01T14:00:00Z"),
        window(6, 2, "2024-04-02T14:00:00Z", "2024-04-02T15:00:00Z", 5),
        window(7, 2, "tuesday", "2024-04-02T15:00:00Z"),
        {
            "model": "calendars.meets",
            "pk": 1,
            "fields": {
                "calendar": 1,
                "meeter": 2,
                "start_period": "2024-04-01T14:00:00Z",
                "end_period": "2024-04-01T14:59:00Z",
            },
        },
        {
            "model": "calendars.meets",
            "pk": 2,
            "fields": {
                "calendar": 1,
                "meeter": 2,
                "start_period": "2024-04-02T14:00:00Z",
                "end_period": "2024-04-02T15:00:00Z",
            },
        },
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(rows))
    output = run("import_oneonone_export", path)
    assert "Created: 3 users, 1 contacts, 1 calendars, 1 invitations, 2 availabilities, 1 meetings" in output
    for line in (
        "auth.user 3: username 'bad name!' is not valid here",
        "auth.user 5: it has no fields",
        "contacts.contacts 1: a user cannot be their own contact",
        "contacts.contacts 3: guest and owner already have a contact row",
        "calendars.calendar 2: it ends (2024-04-01) before it starts (2024-04-05)",
        "calendars.invitee 2: owner owns calendar 'Week' and cannot be invited to it",
        "calendars.invitee 3: guest is already invited to calendar 'Week'",
        "calendars.invitee 4: calendar 2 was not imported",
        "calendars.availability 3: 2024-04-06T14:00:00Z to 2024-04-06T15:00:00Z is outside the window",
        "calendars.availability 4: outsider is neither the owner of nor invited to calendar 'Week'",
        "calendars.availability 5: it ends (2024-04-01T14:00:00Z) before it starts (2024-04-01T15:00:00Z)",
        "calendars.availability 6: preference 5 is not 1, 2 or 3",
        "calendars.availability 7: start_period 'tuesday' is not an ISO 8601 datetime",
        "calendars.meets 2: guest already has a meeting in calendar 'Week'",
        "1 rows of sessions.session ignored",
        "auth.user 1: email 'not-an-email' is not valid; left empty",
    ):
        assert line in output, line
    assert User.objects.get(username="guest").email == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "is not JSON"), ('{"model": "auth.user"}', "is not a dumpdata export")],
)
def test_a_file_that_is_not_an_export_is_refused(tmp_path, content, message):
    path = tmp_path / "export.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("import_oneonone_export", path)


def test_an_unknown_timezone_or_duration_is_refused(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match="Unknown timezone"):
        run("import_oneonone_export", path, "--timezone", "Mars/Olympus")
    with pytest.raises(CommandError, match="--meeting-duration"):
        run("import_oneonone_export", path, "--meeting-duration", "7")
    assert "Created: 0 users" in run("import_oneonone_export", path)


# Our schedules for the original's calendars -------------------------------------------------


def _bridged_minutes(windows) -> set[dt.datetime]:
    """Minutes covered by `windows`, plus single uncovered minutes between covered ones
    (hour blocks hh:00-hh:59 are one minute apart). Independent of the scheduler's sweep."""
    minute = dt.timedelta(minutes=1)
    covered = set()
    for w in windows:
        t = w.start
        while t < w.end:
            covered.add(t)
            t += minute
    gaps = {t + minute for t in covered if t + minute not in covered and t + 2 * minute in covered}
    return covered | gaps


def brute_force_count(inputs: services.ScheduleInputs) -> int:
    """Most invitees that can get non-overlapping meetings: every subset, every grid start."""
    owner = _bridged_minutes(inputs.owner_windows)
    d = inputs.duration
    minutes = [dt.timedelta(minutes=k) for k in range(d // dt.timedelta(minutes=1))]
    options = {}
    for invitee in inputs.invitees:
        mine = _bridged_minutes(invitee.windows) & owner
        starts = sorted(t for t in mine if t.minute % 5 == 0 and all(t + k in mine for k in minutes))
        options[invitee.invitee_id] = starts
    people = [p for p, starts in options.items() if starts]
    for size in range(len(people), 0, -1):
        for group in itertools.combinations(people, size):
            for choice in itertools.product(*(options[p] for p in group)):
                ordered = sorted(choice)
                if all(b >= a + d for a, b in zip(ordered, ordered[1:], strict=False)):
                    return size
    return 0


@needs_export
def test_our_schedules_beat_the_originals_and_are_valid(export_rows):
    run("import_oneonone_export", EXPORT, "--timezone", "America/Toronto")
    original_meets = defaultdict(set)
    for row in rows_of(export_rows, "calendars.meets"):
        original_meets[row["fields"]["calendar"]].add(row["fields"]["meeter"])
    for row in rows_of(export_rows, "calendars.calendar"):
        calendar = original_calendar(row["pk"], export_rows)
        # Calendar 3 was finalized with the original's schedule; reopen it to see what ours does.
        Calendar.objects.filter(pk=calendar.pk).update(finalized=False)
        calendar.refresh_from_db()
        outcome = services.schedule_generate(calendar=calendar)
        inputs, result = solve(calendar)
        assert scheduling.validate(result, inputs.owner_windows, inputs.invitees, inputs.duration) == []
        stored = list(Meet.objects.filter(calendar=calendar).order_by("id"))
        assert [(m.meeter_id, m.start_period, m.end_period) for m in stored] == [
            (m.invitee_id, m.start, m.end) for m in result.meetings
        ]
        assert all(m.end_period - m.start_period == dt.timedelta(minutes=60) for m in stored)
        assert len({m.meeter_id for m in stored}) == len(stored) >= len(original_meets[row["pk"]])
        assert len(stored) == brute_force_count(inputs)
        assert outcome.optimal
        reasons = {u.invitee_username: u.reason for u in outcome.unscheduled}
        for invitee in inputs.invitees:
            if not invitee.windows:
                assert reasons[inputs.users[invitee.invitee_id].username] == "no_availability"
    # The original booked 59-minute meetings: both of its meetings have the wrong length.
    for row in rows_of(export_rows, "calendars.meets"):
        f = row["fields"]
        assert instant(f["end_period"]) - instant(f["start_period"]) == dt.timedelta(minutes=59)
    # On the calendar where the original scheduled anyone, ours schedules everyone it did.
    tutor = original_calendar(3, export_rows)
    assert Meet.objects.filter(calendar=tutor).count() == 2


# The Doodle poll ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poll() -> dict:
    """The poll read straight from the CSV (independently of the importer)."""
    if not DOODLE.exists():
        pytest.skip(f"the real Doodle export is not at {DOODLE}")
    with DOODLE.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[3]
    people = [row for row in rows[4:] if row and row[0] != "Count"]
    counts = next(row for row in rows if row and row[0] == "Count")
    return {
        "options": header[1:],
        "ok": {row[0].strip(): [j for j in range(6) if row[j + 1].strip() == "OK"] for row in people},
        "counts": [int(c) for c in counts[1:]],
    }


@pytest.fixture
def doodle_calendar(db):
    """The week of Monday 2025-09-08 in New York, 10-minute meetings."""
    return CalendarFactory(
        name="SI sessions",
        start_date=dt.date(2025, 9, 8),
        end_date=dt.date(2025, 9, 12),
        timezone="America/New_York",
        meeting_duration=10,
    )


def import_poll(calendar, *extra) -> str:
    return run("import_doodle_csv", DOODLE, "--calendar", calendar.pk, "--week-of", "2025-09-10", *extra)


# (weekday, start, end) in UTC on 2025-09-08 (EDT, UTC-4) for the six options, in column order
POLL_OPTIONS_UTC = [
    ("2025-09-08T14:00", "2025-09-08T14:50"),
    ("2025-09-08T15:00", "2025-09-08T15:50"),
    ("2025-09-08T19:30", "2025-09-08T20:20"),
    ("2025-09-10T14:00", "2025-09-10T14:50"),
    ("2025-09-10T15:00", "2025-09-10T15:50"),
    ("2025-09-10T19:30", "2025-09-10T20:20"),
]


def option_span(index: int) -> tuple[dt.datetime, dt.datetime]:
    start, end = POLL_OPTIONS_UTC[index]
    return instant(start + "Z"), instant(end + "Z")


@needs_doodle
def test_the_poll_becomes_owner_windows_invitees_and_their_windows(poll, doodle_calendar):
    assert sum(len(v) for v in poll["ok"].values()) == sum(poll["counts"]) == 67  # the file is consistent
    output = import_poll(doodle_calendar)
    owner = doodle_calendar.owner
    assert sorted(
        Availability.objects.filter(user=owner).values_list("start_period", "end_period", "preference")
    ) == [(*option_span(i), 2) for i in range(6)]
    invitations = Invitee.objects.filter(calendar=doodle_calendar).select_related("invitee")
    assert invitations.count() == len(poll["ok"]) == 38
    for invitation in invitations:
        user = invitation.invitee
        name = user.first_name
        assert user.username == f"doodle{doodle_calendar.pk}-" + name.replace(" ", "")
        assert not user.has_usable_password()
        assert invitation.deadline == doodle_calendar.window_end
        assert Contact.objects.filter(requester=owner, requested=user, accepted=True).exists()
        windows = sorted(
            Availability.objects.filter(user=user).values_list("start_period", "end_period", "preference")
        )
        assert windows == sorted((*option_span(j), 2) for j in poll["ok"][name])
    for line in (
        "owner windows: 6",
        "respondents: 38",
        "respondents without any mark: 3",
        "placeholder users: 38",
        "invitee windows: 67",
        "Skipped: 0",
    ):
        assert line in output, line


@needs_doodle
def test_importing_the_poll_again_changes_nothing(doodle_calendar):
    import_poll(doodle_calendar)
    before = sorted(Availability.objects.values_list("user_id", "start_period", "end_period", "preference"))
    users = User.objects.count()
    output = import_poll(doodle_calendar)
    assert "matched invitees: 38" in output and "windows already there: 73" in output
    assert (
        sorted(Availability.objects.values_list("user_id", "start_period", "end_period", "preference"))
        == before
    )
    assert User.objects.count() == users


def max_matching(ok: dict[str, list[int]], capacity: int) -> int:
    """Kuhn's augmenting paths: respondents to (option, seat), `capacity` seats per option."""
    seat_of: dict[tuple[int, int], str] = {}

    def augment(person: str, seen: set) -> bool:
        for option in ok[person]:
            for seat in range(capacity):
                key = (option, seat)
                if key not in seen:
                    seen.add(key)
                    if key not in seat_of or augment(seat_of[key], seen):
                        seat_of[key] = person
                        return True
        return False

    return sum(augment(person, set()) for person in ok)


@needs_doodle
@pytest.mark.parametrize("minutes", [10, 25, 50])
def test_the_schedule_of_the_poll_is_a_maximum_matching(poll, doodle_calendar, minutes):
    """Options are separate 50-minute windows and every OK is a whole option, so a schedule is
    an assignment of respondents to the 50 // D seats of each option: its size must be a
    maximum matching's."""
    Calendar.objects.filter(pk=doodle_calendar.pk).update(meeting_duration=minutes)
    doodle_calendar.refresh_from_db()
    import_poll(doodle_calendar)
    outcome = services.schedule_generate(calendar=doodle_calendar)
    inputs, result = solve(doodle_calendar)
    assert scheduling.validate(result, inputs.owner_windows, inputs.invitees, inputs.duration) == []
    best = max_matching(poll["ok"], 50 // minutes)
    assert len(outcome.meets) == len(result.meetings) == best
    assert result.preference_total == 4 * best  # every window here is preference 2
    assert outcome.optimal
    reasons = [u.reason for u in outcome.unscheduled]
    assert reasons.count("no_availability") == 3
    assert set(reasons) <= {"no_availability", "taken"}
    if minutes == 10:
        assert best == 28  # of 35 answering respondents, as notes/scheduling.md section 4 reports


@needs_doodle
def test_a_matching_invitee_is_used_instead_of_a_placeholder(doodle_calendar):
    jade = UserFactory(username="jsmith", first_name="J", last_name="S")
    InviteeFactory(calendar=doodle_calendar, invitee=jade)
    output = import_poll(doodle_calendar)
    assert "matched invitees: 1" in output and "placeholder users: 37" in output
    assert sorted(Availability.objects.filter(user=jade).values_list("start_period", flat=True)) == [
        option_span(0)[0],
        option_span(1)[0],
    ]


@needs_doodle
def test_a_real_account_is_never_used_as_a_placeholder(doodle_calendar):
    real = UserFactory(username=f"doodle{doodle_calendar.pk}-np")  # has a password
    output = import_poll(doodle_calendar)
    assert f"respondent 'n p': 'doodle{doodle_calendar.pk}-np' is a real account here; skipped" in output
    assert not Availability.objects.filter(user=real).exists()
    assert not Invitee.objects.filter(invitee=real).exists()


@needs_doodle
def test_a_dry_run_saves_nothing(doodle_calendar):
    output = import_poll(doodle_calendar, "--dry-run")
    assert "placeholder users: 38" in output and "Dry run: nothing was saved." in output
    assert not Invitee.objects.exists() and not Availability.objects.exists()


@needs_doodle
def test_options_outside_the_calendar_are_skipped_and_a_week_outside_it_is_refused(owner):
    monday_only = CalendarFactory(
        owner=owner, start_date=dt.date(2025, 9, 8), end_date=dt.date(2025, 9, 8), timezone="America/New_York"
    )
    output = import_poll(monday_only)
    assert output.count("is outside calendar") == 3
    assert Availability.objects.filter(user=owner).count() == 3
    with pytest.raises(CommandError, match="None of the options"):
        run("import_doodle_csv", DOODLE, "--calendar", monday_only.pk, "--week-of", "2025-10-01")


@needs_doodle
def test_a_missing_or_finalized_calendar_is_refused(doodle_calendar):
    with pytest.raises(CommandError, match="There is no calendar 999999"):
        run("import_doodle_csv", DOODLE, "--calendar", 999999, "--week-of", "2025-09-08")
    Calendar.objects.filter(pk=doodle_calendar.pk).update(finalized=True)
    with pytest.raises(CommandError, match="is finalized"):
        import_poll(doodle_calendar)


def test_if_need_be_marks_give_preference_1_and_unknown_marks_are_reported(tmp_path, owner):
    calendar = CalendarFactory(owner=owner, start_date=dt.date(2025, 9, 8), end_date=dt.date(2025, 9, 12))
    path = tmp_path / "poll.csv"
    path.write_text(",Tue 9:00-9:50am,Thursdays 1pm-2:30pm\nAda Lovelace,OK,(OK)\nBo,maybe,No\nCount,1,1\n")
    output = run("import_doodle_csv", path, "--calendar", calendar.pk, "--week-of", "2025-09-08")
    ada = User.objects.get(username=f"doodle{calendar.pk}-adalovelace")
    assert sorted(Availability.objects.filter(user=ada).values_list("start_period", "preference")) == [
        (dt.datetime(2025, 9, 9, 9, tzinfo=dt.UTC), 2),
        (dt.datetime(2025, 9, 11, 13, tzinfo=dt.UTC), 1),
    ]
    assert "respondent 'Bo', 'Tue 9:00-9:50am': unknown mark 'maybe'" in output


def test_a_file_without_options_is_refused(tmp_path, owner):
    calendar = CalendarFactory(owner=owner)
    path = tmp_path / "poll.csv"
    path.write_text("name,when\nada,soon\n")
    with pytest.raises(CommandError, match="no row of options"):
        run("import_doodle_csv", path, "--calendar", calendar.pk, "--week-of", "2030-04-01")


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Mondays 10:00-10:50am", (0, dt.time(10), dt.time(10, 50))),
        ("Wednesdays 3:30-4:20pm", (2, dt.time(15, 30), dt.time(16, 20))),
        ("Tue 11:00-12:50pm", (1, dt.time(11), dt.time(12, 50))),
        ("thu 11:30am - 1pm", (3, dt.time(11, 30), dt.time(13))),
        ("Friday 14:00-14:50", (4, dt.time(14), dt.time(14, 50))),
        ("Sun 12:00-12:30am", (6, dt.time(0), dt.time(0, 30))),
        ("Sat 9 p.m.-10 p.m.", (5, dt.time(21), dt.time(22))),
    ],
)
def test_option_labels_are_read_as_weekday_and_local_times(label, expected):
    assert parse_option(label) == expected


@pytest.mark.parametrize(
    "label", ["Someday 10-11am", "Mon 13:00-2pm", "Mon 10:00-9:00", "Mon 10:75-11:00", "Mon"]
)
def test_an_option_label_it_cannot_read_is_an_error(label):
    with pytest.raises(ValueError):
        parse_option(label)
