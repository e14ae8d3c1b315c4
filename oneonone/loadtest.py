"""Load benchmark: `python -m oneonone.loadtest [--duration S] [--levels 1,4,16,64] [--quick]`.

Not a test. It measures the real app under gunicorn with PostgreSQL on this machine and prints
Markdown tables (throughput, p50/p95/p99 latency, error rate per endpoint):

1. the database: `DATABASE_URL` if set, else a throwaway PostgreSQL server it starts itself
   (initdb in a temporary directory, as the `postgres` user when run as root, on a free
   loopback port, `fsync=off` like CI), stopped and deleted at the end;
2. `migrate`, then seeded data: 300 users (one PBKDF2 hash, reused), 10 friends each, 100
   calendars with 10 invitees each, two windows per person, and a generated schedule;
3. gunicorn on 127.0.0.1 (a free port) serving `oneonone.loadtest_urls`: the real routes plus
   `/loadtest/floor/` (a bare Django view returning constant JSON) and
   `/loadtest/floor-jwt/` (the same behind DRF + JWT), with DEBUG off;
4. an aiohttp client at increasing concurrency, each step bounded by `--duration` seconds
   and `--max-requests` requests: the floor, the JWT floor, each main read endpoint alone,
   a weighted mix of what clients do (reads, availability writes, schedule generation, a few
   logins), and logins alone (PBKDF2 with Django's 1,000,000 iterations is deliberately slow:
   reported on its own, not averaged away).

Server choice: gunicorn `gthread`, 2 workers (one per core) x 4 threads, keep-alive on. The
machine has 2 cores shared by the server, PostgreSQL and this client; more processes would
only contend for them, and threads let one worker run Python while another thread waits on
the database (psycopg and hashlib release the GIL). Database connections persist
(`conn_max_age`), as a production deployment would configure them.

Targets (issue 6): each main read endpoint alone keeps at least half of the floor's throughput,
with no errors and p99 under 100 ms, at the concurrency where the floor saturates (the lowest
level reaching 90 % of its best throughput). The verdict is printed at the end.

Every request goes to 127.0.0.1 only; every loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Load-Test-Password-42"  # noqa: S105 (seeded test users only)
USERS = 300
FRIENDS = 10
CALENDARS = 100
DAY = dt.datetime(2030, 4, 1, tzinfo=dt.UTC)
MAIN_READS = ["profile", "calendars", "calendar", "availabilities", "schedule", "contacts"]


# The database --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        sys.exit("PostgreSQL is not installed: `apt-get install postgresql`, or set DATABASE_URL.")
    return found[-1].parent


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server on a free loopback port; yields its URL."""
    pg_bin = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="oneonone-loadtest-pg."))
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data, log = root / "data", root / "log"

    def run(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    try:
        run(str(pg_bin / "initdb"), "-D", str(data), "-U", "oneonone", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off"
        run(str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start")
        run(str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "oneonone", "oneonone")
        yield f"postgres://oneonone@127.0.0.1:{port}/oneonone"
    finally:
        subprocess.run(  # noqa: S603
            [*as_postgres, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def with_persistent_connections(url: str) -> str:
    return url if "conn_max_age" in url else url + ("&" if "?" in url else "?") + "conn_max_age=600"


# Django in this process: migrate, seed, mint tokens ----------------------------------------


def server_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oneonone.settings",
        "ROOT_URLCONF": "oneonone.loadtest_urls",
        "DATABASE_URL": with_persistent_connections(database_url),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; production has a TLS proxy
        "LOG_LEVEL": "ERROR",
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="media.", dir=os.environ.get("ONEONONE_LOADTEST_SCRATCH")),
        # whitenoise warns without one
        "STATIC_ROOT": tempfile.mkdtemp(prefix="static.", dir=os.environ.get("ONEONONE_LOADTEST_SCRATCH")),
    }


@dataclass
class World:
    """What the client needs: tokens, and per calendar its owner, invitees and window ids."""

    tokens: dict[int, str]
    usernames: dict[int, str]
    calendars: list[dict[str, Any]]  # {"id", "owner", "invitees": [...], "windows": {user: [ids]}}
    invited: dict[int, list[int]]  # user id -> calendar ids


def seed() -> World:
    """Bulk-create the seeded world (settings must be configured already)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Profile
    from calendars import services
    from calendars.models import Availability, Calendar, Invitee
    from contacts.models import Contact

    user_model = get_user_model()
    rng = random.Random(6)
    password = make_password(PASSWORD)  # one PBKDF2 hash for everyone: seeding stays fast
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"load{i:03d}", email=f"load{i:03d}@example.org", first_name="Load",
                       last_name=f"User {i}", password=password)
            for i in range(USERS)
        ]
    )
    Profile.objects.bulk_create([Profile(user=user) for user in users])
    pairs = {tuple(sorted((i, (i + k) % USERS))) for i in range(USERS) for k in range(1, FRIENDS // 2 + 1)}
    Contact.objects.bulk_create(
        [Contact(requester=users[a], requested=users[b], accepted=True) for a, b in sorted(pairs)]
    )
    Contact.objects.bulk_create(  # one pending request for everyone
        [Contact(requester=users[(i + 50) % USERS], requested=users[i], accepted=False)
         for i in range(0, USERS, 2)]
    )
    calendars = Calendar.objects.bulk_create(
        [
            Calendar(owner=users[i], name=f"Office hours {i}", start_date=DAY.date(),
                     end_date=DAY.date() + dt.timedelta(days=4))
            for i in range(CALENDARS)
        ]
    )
    invitations, windows = [], []
    for index, calendar in enumerate(calendars):
        guests = [users[(index + k) % USERS] for k in range(-FRIENDS // 2, FRIENDS // 2 + 1) if k]
        invitations += [Invitee(calendar=calendar, invitee=g, deadline=calendar.window_end) for g in guests]
        for person in [users[index], *guests]:
            for day in (0, 1):
                start = DAY + dt.timedelta(days=day, hours=rng.randrange(8, 15))
                windows.append(Availability(calendar=calendar, user=person, preference=rng.choice((1, 2, 3)),
                                            start_period=start, end_period=start + dt.timedelta(hours=2)))
    Invitee.objects.bulk_create(invitations)
    Availability.objects.bulk_create(windows)
    for calendar in calendars:
        services.schedule_generate(calendar=calendar)

    window_ids: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, calendar_id, user_id in Availability.objects.values_list("id", "calendar_id", "user_id"):
        window_ids[(calendar_id, user_id)].append(pk)
    invited: dict[int, list[int]] = defaultdict(list)
    described = []
    for calendar in calendars:
        guests = list(Invitee.objects.filter(calendar=calendar).values_list("invitee_id", flat=True))
        for guest in guests:
            invited[guest].append(calendar.pk)
        described.append({
            "id": calendar.pk, "owner": calendar.owner_id, "invitees": guests,
            "windows": {u: window_ids[(calendar.pk, u)] for u in [calendar.owner_id, *guests]},
        })
    tokens = {user.pk: str(RefreshToken.for_user(user).access_token) for user in users}
    return World(tokens=tokens, usernames={u.pk: u.username for u in users}, calendars=described,
                 invited=dict(invited))


# The server ----------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int, worker_class: str = "gthread") -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "oneonone.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", worker_class,
        "--threads", str(threads), "--keep-alive", "5", "--backlog", "2048", "--log-level", "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/loadtest/floor/", timeout=2):  # noqa: S310 (loopback)
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


# The client ----------------------------------------------------------------------------------


@dataclass
class Call:
    label: str
    method: str
    path: str
    user: int | None = None  # the Bearer token's user
    body: dict[str, Any] | None = None
    expect: tuple[int, ...] = (200,)
    after: Callable[[dict[str, Any]], None] | None = None  # sees the JSON answer


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0


class Mix:
    """What clients do, with weights; every request is valid for the user who sends it."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.created: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.weights = {
            "profile": 14, "calendars": 8, "calendars invited": 5, "calendar": 10, "availabilities": 14,
            "availability create": 7, "availability update": 5, "availability delete": 5,
            "invitees": 4, "contacts": 8, "friend requests": 3, "schedule": 10, "schedule generate": 2,
            "calendar create": 1, "login": 1,
        }

    def pick(self, label: str | None = None) -> Call:
        if label is None:
            label = self.rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        return getattr(self, "_" + label.replace(" ", "_"))()

    def _calendar_and_member(self, *, owner: bool | None = None) -> tuple[dict[str, Any], int]:
        calendar = self.rng.choice(self.world.calendars)
        if owner is None:
            owner = self.rng.random() < 0.3
        return calendar, calendar["owner"] if owner else self.rng.choice(calendar["invitees"])

    def _any_user(self) -> int:
        return self.rng.choice(list(self.world.tokens))

    def _window(self) -> dict[str, Any]:
        start = DAY + dt.timedelta(days=self.rng.randrange(5), hours=self.rng.randrange(0, 22))
        end = start + dt.timedelta(minutes=self.rng.choice((30, 60, 90)))
        return {"start_period": f"{start:%Y-%m-%dT%H:%M:%SZ}", "end_period": f"{end:%Y-%m-%dT%H:%M:%SZ}",
                "preference": self.rng.choice((1, 2, 3))}

    def _profile(self) -> Call:
        return Call("GET /accounts/profile/", "GET", "/accounts/profile/", self._any_user())

    def _calendars(self) -> Call:
        return Call("GET /calendars/", "GET", "/calendars/", self.rng.choice(self.world.calendars)["owner"])

    def _calendars_invited(self) -> Call:
        user = self.rng.choice(list(self.world.invited))
        return Call("GET /calendars/invited/", "GET", "/calendars/invited/", user)

    def _calendar(self) -> Call:
        calendar, user = self._calendar_and_member()
        return Call("GET /calendars/{id}/", "GET", f"/calendars/{calendar['id']}/", user)

    def _availabilities(self) -> Call:
        calendar, user = self._calendar_and_member(owner=True)
        return Call("GET /calendars/{id}/availabilities/ (owner)", "GET",
                    f"/calendars/{calendar['id']}/availabilities/", user)

    def _availability_create(self) -> Call:
        calendar, user = self._calendar_and_member(owner=False)
        key = (calendar["id"], user)
        return Call("POST /calendars/{id}/availabilities/", "POST",
                    f"/calendars/{calendar['id']}/availabilities/", user, self._window(),
                    after=lambda answer: self.created[key].append(answer["id"]))

    def _availability_update(self) -> Call:
        calendar, user = self._calendar_and_member()
        window = self.rng.choice(calendar["windows"][user])
        return Call("PUT /calendars/{id}/availabilities/{id}/", "PUT",
                    f"/calendars/{calendar['id']}/availabilities/{window}/", user, self._window())

    def _availability_delete(self) -> Call:
        mine = [key for key, ids in self.created.items() if ids]
        if not mine:
            return self._availability_create()
        calendar_id, user = self.rng.choice(mine)
        window = self.created[(calendar_id, user)].pop()
        return Call("DELETE /calendars/{id}/availabilities/{id}/", "DELETE",
                    f"/calendars/{calendar_id}/availabilities/{window}/", user)

    def _invitees(self) -> Call:
        calendar, user = self._calendar_and_member(owner=True)
        return Call("GET /calendars/{id}/invitee/", "GET", f"/calendars/{calendar['id']}/invitee/", user)

    def _contacts(self) -> Call:
        return Call("GET /contacts/", "GET", "/contacts/", self._any_user())

    def _friend_requests(self) -> Call:
        return Call("GET /contacts/friendRequests/", "GET", "/contacts/friendRequests/", self._any_user())

    def _schedule(self) -> Call:
        calendar, user = self._calendar_and_member()
        return Call("GET /calendars/{id}/schedule/", "GET", f"/calendars/{calendar['id']}/schedule/", user)

    def _schedule_generate(self) -> Call:
        calendar, user = self._calendar_and_member(owner=True)
        return Call("POST /calendars/{id}/schedule/", "POST", f"/calendars/{calendar['id']}/schedule/", user)

    def _calendar_create(self) -> Call:
        body = {"name": "Load", "start_date": "2030-05-01", "end_date": "2030-05-03"}
        return Call("POST /calendars/", "POST", "/calendars/", self._any_user(), body)

    def _login(self) -> Call:
        user = self._any_user()
        body = {"username": self.world.usernames[user], "password": PASSWORD}
        return Call("POST /accounts/login/", "POST", "/accounts/login/", None, body)


async def run_step(base: str, world: World, make: Callable[[], Call], concurrency: int,
                   duration: float, max_requests: int) -> Stats:
    """`concurrency` workers send `make()` requests back to back for `duration` seconds (and at
    most `max_requests` in all), each on its own keep-alive connection."""
    import aiohttp

    stats = Stats()
    sent = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:
        stop_at = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal sent
            while time.perf_counter() < stop_at and sent < max_requests:
                sent += 1
                call = make()
                headers = {"Authorization": f"Bearer {world.tokens[call.user]}"} if call.user else {}
                began = time.perf_counter()
                try:
                    request = session.request(call.method, call.path, json=call.body, headers=headers)
                    async with request as answer:
                        payload = await answer.read()
                        status = answer.status
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, payload = 0, repr(exc).encode()
                stats.latencies[call.label].append(time.perf_counter() - began)
                if status not in call.expect:
                    stats.errors[call.label] += 1
                    stats.samples.setdefault(call.label, f"{status} {payload[:200]!r}")
                elif call.after is not None:
                    import json

                    call.after(json.loads(payload))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        stats.elapsed = time.perf_counter() - started
    return stats


# Reporting -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


@dataclass
class Row:
    step: str
    concurrency: int
    label: str
    requests: int
    throughput: float
    p50: float
    p95: float
    p99: float
    errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def rows_of(step: str, concurrency: int, stats: Stats) -> list[Row]:
    return [
        Row(step, concurrency, label, len(values), len(values) / stats.elapsed,
            percentile(values, 50) * 1000, percentile(values, 95) * 1000, percentile(values, 99) * 1000,
            stats.errors.get(label, 0))
        for label, values in sorted(stats.latencies.items())
    ]


def table(rows: list[Row], *, with_step: bool = True) -> str:
    head = "| step | c | endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |"
    lines = [head, "|---|--:|---|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        lines.append(
            f"| {r.step if with_step else ''} | {r.concurrency} | `{r.label}` | {r.requests} "
            f"| {r.throughput:.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} "
            f"| {r.errors} ({r.error_rate:.1%}) |"
        )
    return "\n".join(lines)


# Main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m oneonone.loadtest", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per step (default 10)")
    parser.add_argument("--levels", default="1,4,16,64", help="concurrency levels (default 1,4,16,64)")
    parser.add_argument("--max-requests", type=int, default=30_000, help="requests per step at most")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--quick", action="store_true", help="3 s steps at concurrency 1 and 16")
    parser.add_argument("--steps", default="", help="only steps whose name contains one of these "
                        "comma-separated words (e.g. floor,profile); default all")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.levels = 3.0, "1,16"
    args.levels = [int(level) for level in args.levels.split(",")]
    return args


def run(args: argparse.Namespace, database_url: str) -> int:
    env = server_environment(database_url)
    os.environ.update({k: v for k, v in env.items() if k not in ("ROOT_URLCONF",)})
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    world = seed()
    print(f"seeded {USERS} users, {CALENDARS} calendars in {time.perf_counter() - started:.1f} s", flush=True)
    from django.db import connections

    connections.close_all()
    mix = Mix(world, args.seed)
    some = world.calendars[0]
    reads = {  # each main read endpoint alone: a fresh random caller for every request
        "profile": lambda: mix.pick("profile"),
        "calendars": lambda: mix.pick("calendars"),
        "calendar": lambda: mix.pick("calendar"),
        "availabilities": lambda: mix.pick("availabilities"),
        "schedule": lambda: mix.pick("schedule"),
        "contacts": lambda: mix.pick("contacts"),
    }
    steps: list[tuple[str, Callable[[], Call], list[int]]] = [
        ("floor", lambda: Call("GET /loadtest/floor/ (bare Django)", "GET", "/loadtest/floor/"), args.levels),
        ("floor+JWT", lambda: Call("GET /loadtest/floor-jwt/ (DRF + JWT)", "GET", "/loadtest/floor-jwt/",
                                   some["owner"]), args.levels),
        *[(f"alone: {name}", make, args.levels) for name, make in reads.items()],
        ("mix", mix.pick, args.levels),
        ("login alone (PBKDF2)", lambda: mix.pick("login"), [c for c in (1, 4) if c <= max(args.levels)]),
    ]
    if args.steps:
        wanted = args.steps.split(",")
        steps = [step for step in steps if any(word in step[0] for word in wanted)]
    all_rows: list[Row] = []
    with gunicorn(env, args.workers, args.threads, args.worker_class) as base:
        print(f"gunicorn {args.worker_class} {args.workers} workers x {args.threads} threads at {base}; "
              f"steps of {args.duration:g} s, at most {args.max_requests} requests; "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
              "(other work on the machine skews the figures)", flush=True)
        asyncio.run(run_step(base, world, mix.pick, 4, 2.0, 2_000))  # warm-up, not reported
        for step, make, levels in steps:
            for level in levels:
                stats = asyncio.run(run_step(base, world, make, level, args.duration, args.max_requests))
                rows = rows_of(step, level, stats)
                all_rows += rows
                total = sum(r.requests for r in rows)
                errors = sum(r.errors for r in rows)
                print(f"  {step:<24} c={level:<3} {total / stats.elapsed:7.0f} req/s  errors {errors}"
                      + (f"  e.g. {next(iter(stats.samples.values()))}" if stats.samples else ""), flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print()
    print(summary(all_rows, args))
    return 0 if verdict(all_rows)[0] else 1


def summary(rows: list[Row], args: argparse.Namespace) -> str:
    single = [r for r in rows if r.step != "mix"]
    out = ["### Each endpoint alone, and the floors", "", table(single), "",
           "### The weighted mix, per endpoint", "", table([r for r in rows if r.step == "mix"]), ""]
    ok, lines = verdict(rows)
    out += ["### Targets", "", *lines, "", f"Overall: {'PASS' if ok else 'FAIL'}"]
    return "\n".join(out)


def verdict(rows: list[Row]) -> tuple[bool, list[str]]:
    floor = {r.concurrency: r for r in rows if r.step == "floor"}
    if not floor:
        return True, ["- (no floor step: nothing to compare)"]
    best = max(r.throughput for r in floor.values())
    level = min(c for c, r in floor.items() if r.throughput >= 0.9 * best)
    lines = [f"- The floor saturates at c={level}: {floor[level].throughput:.0f} req/s (best {best:.0f})."]
    ok = True
    for name in MAIN_READS:
        row = next((r for r in rows if r.step == f"alone: {name}" and r.concurrency == level), None)
        if row is None:
            continue
        ratio = row.throughput / floor[level].throughput
        passed = ratio >= 0.5 and row.errors == 0 and row.p99 < 100
        ok &= passed
        lines.append(f"- `{row.label}`: {row.throughput:.0f} req/s = {ratio:.0%} of the floor, p99 "
                     f"{row.p99:.1f} ms, {row.errors} errors: {'pass' if passed else 'FAIL'}")
    mix_errors = sum(r.errors for r in rows if r.step == "mix")
    ok &= mix_errors == 0
    lines.append(f"- The mix: {mix_errors} errors at every level.")
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="oneonone-loadtest.")
    os.environ["ONEONONE_LOADTEST_SCRATCH"] = scratch  # MEDIA_ROOT and STATIC_ROOT go here
    try:
        if os.environ.get("DATABASE_URL", "").startswith("postgres"):
            return run(args, os.environ["DATABASE_URL"])
        with postgres() as url:
            return run(args, url)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
