"""Load: the real app under gunicorn, hit at a fixed arrival rate by a mix of API calls.

    .venv/bin/python benchmarks/load.py                      # 200 req/s for 30 s after 5 s warm-up, 2 workers
    .venv/bin/python benchmarks/load.py --rate 100 --seconds 10 --workers 2 --runs 3

Each run builds a fresh PostgreSQL database (`--database-url`, dropped and created; default
postgresql://postgres@127.0.0.1:5432/piket_load), its schema by the migrations and its data by
`flask --app app demo`, adds shelter-staff accounts bound to several shelters and API tokens for
them and the demo police account, and serves `app:create_app()` with gunicorn on 127.0.0.1
(gunicorn.conf.py in the project folder applies, `--workers` overrides its worker count).

The client is stdlib asyncio (keep-alive HTTP/1.1 where the server keeps the connection open) and
open-model: request i is due at start + i/rate whatever happened before, and its latency runs from
that due time to the last byte of the answer, so time spent queueing (in the client waiting for a
connection, or in the server's backlog) counts. The first `--warmup` seconds are not measured.
Every answer that is not 2xx is an error; so is a request still unanswered 30 s after the last
send (its latency counted as the time it waited). Only loopback traffic; the run is bounded in
count and time and stops by itself. Also printed: CPU time per answered request of the gunicorn
workers, the PostgreSQL backends of the run's database and the client, which says what the
machine could serve if the load had it to itself.

Target: 200 req/s achieved, p99 under 250 ms, no errors. Exit status 1 when it is missed (with
`--runs N`, judged on the medians). The load generator runs on the same machine as the server and
PostgreSQL, so it takes part of the same cores.
"""

import argparse
import asyncio
import collections
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))

from accounts.roles import Role  # noqa: E402

TARGET_RPS, TARGET_P99_MS = 200, 250
MIX = (("search", 0.45), ("availability", 0.40), ("request", 0.15))  # share of all requests
UNCHANGED_SHARE = 0.3  # of availability updates: the one-tap "unchanged" rather than numbers
STAFF_SHELTERS = 24  # shelters that get their own staff account (and token) for updates
MAX_CONNECTIONS = 256  # the client's ceiling; beyond it requests wait (and that wait counts)
DRAIN_SECONDS = 30  # after the last send, how long answers may still come; later ones are errors


# --- setting up ---------------------------------------------------------------------------------


def _flask(env, *args):
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare(env) -> dict:
    """Fresh database, migrations, demo data, staff accounts and tokens. Returns what the client needs."""
    from common import fresh_postgres_database

    fresh_postgres_database(env["DATABASE_URL"])
    _flask(env, "db", "upgrade")
    _flask(env, "demo")
    os.environ.update(env)  # the app below reads the same database and instance folder
    from sqlalchemy import select

    from accounts import service as accounts
    from app import create_app
    from beds.demo import ACCOUNTS
    from beds.models import Region, Shelter
    from extensions import db
    from timeutil import utcnow

    app = create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})  # setup speed only; logins are not measured
    with app.app_context():
        now = utcnow()
        police = accounts.user_by_email(next(e for role, e, *_ in ACCOUNTS if role == Role.POLICE))
        tokens = {Role.POLICE: accounts.issue_token(now, police)}
        shelters = db.session.scalars(select(Shelter).where(Shelter.active.is_(True)).order_by(Shelter.id)).all()
        chosen = random.Random(7).sample(shelters, min(STAFF_SHELTERS, len(shelters)))
        staff = []
        for shelter in chosen:
            user = accounts.create_user(
                now,
                email=f"nacht-{shelter.key.lower()}@load.piket.nl",
                password="load-test-2026",
                role=Role.SHELTER_STAFF,
                name=f"Nachtdienst {shelter.name}",
                shelter_ids=[shelter.id],
            )
            pools = [(p.id, p.capacity - p.out_of_service - p.held) for p in shelter.pools]
            staff.append({"shelter": shelter.id, "pools": pools, "token": accounts.issue_token(now, user)})
        regions = db.session.scalars(select(Region.code).where(Region.kind == "care").order_by(Region.code)).all()
        db.session.commit()
    return {"tokens": tokens, "staff": staff, "regions": list(regions)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env, port, workers, log):
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped at startup (exit {server.returncode}); see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /api/openapi.json HTTP/1.1\r\nHost: load\r\nConnection: close\r\n\r\n")
                if s.recv(12).startswith(b"HTTP/1.1 200"):
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")


# --- the traffic --------------------------------------------------------------------------------


class Traffic:
    """The i-th request of the run, drawn from a seeded generator (same mix and profiles every run)."""

    def __init__(self, setup, seed=2026):
        self.rng = random.Random(seed)
        self.setup = setup

    def next(self):
        r = self.rng.random()
        kind = "search" if r < MIX[0][1] else "availability" if r < MIX[0][1] + MIX[1][1] else "request"
        return kind, *getattr(self, kind)()

    def _bearer(self, token):
        return {"Authorization": f"Bearer {token}"}

    def search(self):
        rng = self.rng
        query = [
            ("near", rng.choice(self.setup["regions"])),
            ("gender", rng.choice(("female", "female", "male", "x"))),
            ("age", str(rng.choice((16, 17, 19, 22, 24, 28, 31, 35, 40, 47, 55)))),
        ]
        if rng.random() < 0.6:
            query.append(("residence", rng.choice(("lawful", "none"))))
        if rng.random() < 0.4:
            query.append(("exploitation", rng.choice(("sexual", "labour", "criminal", "other"))))
        for need in rng.sample(
            ("active_addiction", "psychiatric_crisis", "pregnancy", "wheelchair", "pets"), rng.choice((0, 0, 1, 2))
        ):
            query.append(("needs", need))
        if rng.random() < 0.15:
            query.append(("children", str(rng.randint(1, 3))))
        path = "/api/v1/availability?" + "&".join(f"{k}={val}" for k, val in query)
        return "GET", path, self._bearer(self.setup["tokens"][Role.POLICE]), None

    def availability(self):
        staff = self.rng.choice(self.setup["staff"])
        if self.rng.random() < UNCHANGED_SHARE:
            body = {"unchanged": True}
        else:
            body = {"pools": [{"id": pool, "free": self.rng.randint(0, most)} for pool, most in staff["pools"]]}
        return "POST", f"/api/v1/shelters/{staff['shelter']}/availability", self._bearer(staff["token"]), body

    def request(self):
        rng = self.rng
        groups = [
            {
                "persons": [
                    {
                        "gender": rng.choice(("female", "male")),
                        "age": rng.randint(17, 50),
                        "residence": rng.choice(("lawful", "none")),
                        "exploitation": rng.choice(("sexual", "labour", "criminal")),
                        "needs": rng.sample(
                            ("psychiatric_crisis", "pregnancy", "active_addiction"), rng.choice((0, 0, 1))
                        ),
                    }
                ],
                "children": rng.choice((0, 0, 0, 1, 2)),
            }
            for _ in range(rng.choice((1, 1, 1, 2)))
        ]
        body = {
            "case_reference": f"LOAD-{rng.randint(1000, 9999)}",
            "callback_phone": "+31612345678",
            "found": {"region": rng.choice(self.setup["regions"])},
            "urgency": "immediate",
            "threat": "low",
            "requests": groups,
            "apart": [[0, 1]] if len(groups) == 2 and rng.random() < 0.5 else [],
        }
        headers = {
            **self._bearer(self.setup["tokens"][Role.POLICE]),
            "Idempotency-Key": str(uuid.UUID(int=rng.getrandbits(128))),
        }
        return "POST", "/api/v1/placement-requests", headers, body


# --- a minimal HTTP/1.1 client ------------------------------------------------------------------


class ClosedUnanswered(ConnectionError):
    """The server closed the connection without a byte of answer."""


class Connections:
    """Idle keep-alive connections to one server; a new one when none is idle."""

    IDLE_SECONDS = 2  # reuse only connections idle less than this, well under the server's keep-alive

    def __init__(self, port):
        self.port, self.idle = port, []
        self.limit = asyncio.Semaphore(MAX_CONNECTIONS)

    async def _connection(self):
        now = time.monotonic()
        while self.idle:
            conn, since = self.idle.pop()
            if now - since < self.IDLE_SECONDS:
                return conn, True
            conn[1].close()
        return await asyncio.open_connection("127.0.0.1", self.port), False

    async def send(self, method, path, headers, body):
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(payload)}"]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{k}: {val}" for k, val in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        async with self.limit:
            while True:
                (reader, writer), reused = await self._connection()
                try:
                    writer.write(request)
                    status, keep, data = await self._read(reader)
                except ClosedUnanswered:
                    writer.close()
                    if reused:  # the server closed it while idle and never saw the request: send again
                        continue
                    raise
                except BaseException:
                    writer.close()
                    raise
                if keep:
                    self.idle.append(((reader, writer), time.monotonic()))
                else:
                    writer.close()
                return status, data

    @staticmethod
    async def _read(reader):
        try:
            status_line = await reader.readline()
        except ConnectionResetError:
            status_line = b""
        if not status_line:
            raise ClosedUnanswered("connection closed before an answer")
        status = int(status_line.split()[1])
        length, chunked, keep = None, False, status_line.startswith(b"HTTP/1.1")
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection":
                keep = value == "keep-alive" or (keep and value != "close")
        if chunked:
            data = b""
            while size := int((await reader.readline()).split(b";")[0], 16):
                data += await reader.readexactly(size + 2)
            await reader.readline()
        elif length is not None:
            data = await reader.readexactly(length)
        else:
            data, keep = await reader.read(), False
        return status, keep, data


async def drive(port, traffic, rate, warmup, seconds):
    """Send at the fixed rate; returns [(kind, measured, latency_s, status, body, done_at)], status 0 for no answer."""
    conns = Connections(port)
    total = int(rate * (warmup + seconds))
    plan = [traffic.next() for _ in range(total)]
    results = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2

    async def one(i, kind, method, path, headers, body):
        due = start + i / rate
        try:
            status, data = await conns.send(method, path, headers, body)
        except (OSError, asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            status, data = 0, repr(exc).encode()
        done = loop.time()
        results.append((kind, due - start >= warmup, done - due, status, data, done - start))

    tasks = []
    for i, item in enumerate(plan):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, *item)))
    _, pending = await asyncio.wait(tasks, timeout=DRAIN_SECONDS)
    end = loop.time()
    for task in pending:
        task.cancel()
    for i, ((kind, *_), task) in enumerate(zip(plan, tasks, strict=True)):
        if task in pending:  # its latency is at least this long: counted so, and as an error
            due = start + i / rate
            results.append((kind, due - start >= warmup, end - due, 0, b"no answer within the drain time", end - start))
    return results


# --- reporting ----------------------------------------------------------------------------------


def pct(values, p):
    """Nearest rank: the ceil(p/100 * n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else float("nan")


def summarise(results, rate, seconds):
    measured = [r for r in results if r[1]]
    ok = [r for r in measured if 200 <= r[3] < 300]
    last_done = max((r[5] for r in ok), default=0)
    rows = {}
    for kind in ["all"] + [k for k, _ in MIX]:
        mine = [r for r in measured if kind in ("all", r[0])]
        lat = [r[2] * 1000 for r in mine]
        rows[kind] = {
            "count": len(mine),
            "errors": sum(1 for r in mine if not 200 <= r[3] < 300),
            "p50": pct(lat, 50),
            "p95": pct(lat, 95),
            "p99": pct(lat, 99),
            "max": max(lat, default=float("nan")),
        }
    # Throughput: good answers to measured requests over the time from the first measured send to the last answer.
    first_due = min((r[5] - r[2] for r in measured), default=0)
    span = max(last_done - first_due, seconds)
    rows["all"]["throughput"] = len(ok) / span if span else 0.0
    errors = [r for r in measured if not 200 <= r[3] < 300]
    return rows, errors


def print_table(rows, title):
    print(f"\n{title}")
    print(f"throughput achieved: {rows['all']['throughput']:.1f} req/s")
    cpu = {k[4:]: v for k, v in rows["all"].items() if k.startswith("cpu_")}
    if cpu:
        print(
            "CPU time per answered request (whole run, warm-up included): "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in cpu.items())
            + f"; total {sum(cpu.values()):.1f} ms"
        )
    print("| kind | requests | errors | p50 | p95 | p99 | max |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, r in rows.items():
        print(
            f"| {kind} | {r['count']} | {r['errors']} | {r['p50']:.0f} ms | {r['p95']:.0f} ms | {r['p99']:.0f} ms | {r['max']:.0f} ms |"
        )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def cpu_seconds(pid) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(server) -> float:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return sum(cpu_seconds(int(pid)) for pid in children)


def postgres_cpu(url) -> float:
    """CPU time of the PostgreSQL backends serving this database (all opened during the run)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        pids = (
            conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return sum(cpu_seconds(pid) for pid in pids)


def server_settings() -> str:
    extra = os.environ.get("GUNICORN_CMD_ARGS")
    conf = "gunicorn.conf.py" if (ROOT / "gunicorn.conf.py").exists() else "gunicorn's defaults"
    return conf + (f" + GUNICORN_CMD_ARGS={extra!r}" if extra else "")


def one_run(args, number):
    instance = tempfile.mkdtemp(prefix="piket-load-")
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        PIKET_INSTANCE_DIR=instance,
        SECRET_KEY="load-benchmark",
        NOTIFY_PROVIDER="console",
    )
    setup = prepare(env)
    port = free_port()
    log_path = Path(instance) / "gunicorn.log"
    with open(log_path, "w") as log:
        server = start_server(env, port, args.workers, log)
        try:
            before_workers, before_client = workers_cpu(server), time.process_time()
            results = asyncio.run(drive(port, Traffic(setup), args.rate, args.warmup, args.seconds))
            cpu = {
                "gunicorn": workers_cpu(server) - before_workers,
                "PostgreSQL": postgres_cpu(args.database_url),
                "client": time.process_time() - before_client,
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    rows, errors = summarise(results, args.rate, args.seconds)
    answered = sum(1 for r in results if r[3])
    for name, seconds in cpu.items():
        rows["all"][f"cpu_{name}"] = seconds * 1000 / max(answered, 1)
    print_table(
        rows,
        f"run {number}: {args.rate:g} req/s offered for {args.seconds:g} s (after {args.warmup:g} s warm-up), "
        f"{args.workers} gunicorn workers, {server_settings()}",
    )
    if errors:
        by_status = collections.Counter(status or "no answer" for _, _, _, status, _, _ in errors)
        print(
            f"{len(errors)} errors ("
            + ", ".join(f"{n} × {status}" for status, n in by_status.most_common())
            + "); the first few:"
        )
        for kind, _, _, status, body, _ in errors[:5]:
            print(f"  {kind}: {status} {body[:300].decode('utf-8', 'replace')}")
        print(f"(server log: {log_path})")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="requests per second offered (default 200)")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds (default 30)")
    parser.add_argument("--warmup", type=float, default=5, help="unmeasured seconds first (default 5)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--runs", type=int, default=1, help="whole runs (fresh database each); report medians")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LOAD_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/piket_load"),
        help="PostgreSQL database to drop, create and use",
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("--database-url must name a PostgreSQL database (it is dropped and created)")

    print(f"machine: {machine()}; the load generator runs on the same machine as gunicorn and PostgreSQL")
    print(
        "mix: "
        + ", ".join(f"{share:.0%} {kind}" for kind, share in MIX)
        + f" (availability: {1 - UNCHANGED_SHARE:.0%} numbers, {UNCHANGED_SHARE:.0%} unchanged; "
        f"{STAFF_SHELTERS} shelters with their own staff token)"
    )
    runs = [one_run(args, n + 1) for n in range(args.runs)]
    if args.runs > 1:
        medians = {
            kind: {field: statistics.median(run[kind][field] for run in runs) for field in runs[0][kind]}
            for kind in runs[0]
        }
        print_table(medians, f"medians of {args.runs} runs")
    final = runs[0] if args.runs == 1 else medians
    total = final["all"]
    missed = []
    if args.rate < TARGET_RPS or total["throughput"] < 0.98 * TARGET_RPS:
        missed.append(f"throughput {total['throughput']:.0f} req/s < {TARGET_RPS}")
    if not total["p99"] < TARGET_P99_MS:
        missed.append(f"p99 {total['p99']:.0f} ms >= {TARGET_P99_MS} ms")
    if total["errors"]:
        missed.append(f"{total['errors']:.0f} errors")
    print(
        f"\ntarget ({TARGET_RPS} req/s, p99 < {TARGET_P99_MS} ms, no errors): "
        + ("met" if not missed else "MISSED: " + "; ".join(missed))
    )
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
