"""The multi-node test: the real pieces on loopback, the whole lifecycle through nginx, failures on purpose.

Starts: a fresh database on the running PostgreSQL primary (5432) and a streaming replica of it
(pg_basebackup, port 5440), Redis (running; db 5 under a fresh key prefix), an S3-protocol server
(moto in server mode — a stand-in for MinIO/Ceph/a cloud's S3), a fake SMS gateway that records
what it is sent, two gunicorn app servers (DEBUG=0) behind nginx, and two notify workers.

Through nginx it submits a few dozen cases with photos, accepts, dispatches, starts, completes them
with before/after photos and rates them — while one app server is SIGKILLed and restarted and one
worker is SIGKILLed for good. Then it checks that every acknowledged case exists once and finished,
the photos are in the bucket and served only to those allowed, every notification went out once,
the public lookups were answered by nginx's cache or else the replica, nothing personal was cached,
nginx limits lookups per address, and a fresh case is readable at once.

Run as root (the replica runs as the postgres user); needs nginx, PostgreSQL 15's binaries and a
`host replication all 127.0.0.1/32 trust` line in the primary's pg_hba.conf (.ci/run adds it).
Usage: .venv/bin/python tests/multinode/run.py [--cases 20] [--keep] [--bench SECONDS]
Exit status 0 only when every check passed.
"""

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import boto3
import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable
from tests.harness import multipart, staff_cookie  # noqa: E402
from tests.multinode.cluster import (  # noqa: E402
    APP1,
    APP2,
    BASE,
    BIN,
    BUCKET,
    DB,
    GATEWAY,
    NGINX,
    PG_BIN,
    REDIS_URL,
    REPLICA,
    S3,
    TRANSIENT,
    Cluster,
    Gateway,
    call,
    http,
    http_from,
    jpeg,
    log,
    pg,
    wait_http,
)

# The scenario


class Scenario:
    def __init__(self, cluster: Cluster, cases: int):
        self.cluster = cluster
        self.n = cases
        self.run_id = uuid.uuid4().hex[:8]
        self.acknowledged: dict[str, dict] = {}  # number -> {"token", "phone"}
        self.unacknowledged = 0
        self.finished: set[str] = set()
        self.errors: list[str] = []
        self.retried_moves = 0
        self.lock = threading.Lock()
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        body = json.dumps({"username": username, "password": "minsheng-demo"}).encode()
        r = call("POST", "/api/v1/auth/token", body=body, headers={"Content-Type": "application/json"})
        assert r.status == 200, (r.status, r.body[:200])
        return r.json()["token"]

    def submit(self, i: int) -> str | None:
        marker = f"multinode-{self.run_id}-{i}"
        phone = f"139{self.run_id_digits()}{i:04d}"
        body, ctype = multipart(
            {
                "category": "infrastructure",
                "community": "zhuzhi",
                "address": f"{i}栋1单元",
                "description": f"楼道灯坏了 {marker}",
                "name": "测试居民",
                "phone": phone,
            },
            [("photos", f"p{i}a.jpg", jpeg(i)), ("photos", f"p{i}b.jpg", jpeg(i + 1000))],
        )
        # Not retried: a submission whose answer was lost may or may not exist, and must not be
        # made twice. Only what was acknowledged (201) is promised.
        try:
            r = http("POST", "/api/v1/cases", body=body, headers={"Content-Type": ctype})
        except OSError:
            r = None
        if r is None or r.status != 201:
            with self.lock:
                self.unacknowledged += 1
            if r is not None and r.status not in TRANSIENT:
                raise AssertionError(f"submit {i}: HTTP {r.status} {r.body[:200]!r}")
            return None
        number = r.json()["number"]
        with self.lock:
            self.acknowledged[number] = {"marker": marker, "phone": phone}
        return number

    def run_id_digits(self) -> str:
        return f"{int(self.run_id, 16) % 10000:04d}"

    def move(self, number: str, action: str, who: str, *, json_body=None, files=None, expect: str) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        if files is not None:
            body, headers["Content-Type"] = multipart(json_body or {}, files)
        else:
            body = json.dumps(json_body or {}).encode()
            headers["Content-Type"] = "application/json"
        r = call("POST", f"/api/v1/cases/{number}/{action}", body=body, headers=headers)
        if r.status == 200:
            return
        if r.status == 409 and r.attempts > 1:
            # The first try reached a server that died after committing: the move was made.
            state = self.state_on_primary(number)
            if state == expect:
                with self.lock:
                    self.retried_moves += 1
                return
        raise AssertionError(f"{action} {number}: HTTP {r.status} {r.body[:300]!r}")

    def state_on_primary(self, number: str) -> str:
        # The pin cookie the app sets after a write: this read goes to the primary.
        r = call("GET", f"/api/v1/cases/{number}", headers={"Cookie": "minsheng_primary=1"})
        return r.json()["state"]

    def lifecycle(self, i: int) -> None:
        number = self.submit(i)
        if number is None:
            return
        self.move(number, "accept", "intake", expect="accepted")
        self.move(number, "dispatch", "intake", json_body={"department": "property"}, expect="dispatched")
        self.move(number, "start", "handler", expect="handling")
        self.move(
            number,
            "complete",
            "handler",
            json_body={"explanation": "已更换灯泡"},
            files=[("before", "before.jpg", jpeg(i + 2000)), ("after", "after.jpg", jpeg(i + 3000))],
            expect="completed",
        )
        phone = self.acknowledged[number]["phone"]
        rating = json.dumps({"score": "satisfied", "phone_last4": phone[-4:]}).encode()
        r = call(
            "POST",
            f"/api/v1/cases/{number}/rating",
            body=rating,
            headers={"Content-Type": "application/json"},
        )
        if r.status != 201 and not (
            r.status == 409 and r.attempts > 1 and self.state_on_primary(number) == "closed"
        ):
            raise AssertionError(f"rate {number}: HTTP {r.status} {r.body[:300]!r}")
        with self.lock:
            self.finished.add(number)

    def run(self) -> None:
        self.tokens = {"intake": self.token("intake"), "handler": self.token("handler")}
        done = 0
        kill_app_at, kill_worker_at = self.n // 3, self.n // 2
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(self.lifecycle, i) for i in range(self.n)]
            for future in concurrent.futures.as_completed(futures):
                try:
                    future.result()
                except Exception as exc:
                    self.errors.append("".join(traceback.format_exception_only(exc)).strip())
                done += 1
                if done == kill_app_at:
                    log("SIGKILL app server 1 (gunicorn master and workers), restarting it in 2 s")
                    self.cluster.kill("app1")
                    time.sleep(2)
                    self.cluster.app("app1", APP1)
                    log("app server 1 is back")
                if done == kill_worker_at:
                    log("SIGKILL notify worker 1 (not restarted: worker 2 carries on alone)")
                    self.cluster.kill("worker1")


# ---------------------------------------------------------------------------------------------
# Checks


class Checks:
    def __init__(self):
        self.passed: list[str] = []
        self.failed: list[str] = []

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        (self.passed if ok else self.failed).append(name)
        log(f"{'PASS' if ok else 'FAIL'}: {name}{' — ' + detail if detail else ''}")


def replica_commits() -> int:
    with pg(REPLICA) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [DB]).fetchone()
        return int(row[0])


def verify(scenario: Scenario, gateway: Gateway, checks: Checks) -> None:
    checks.check(
        "the lifecycle ran without errors",
        not scenario.errors,
        f"{len(scenario.finished)} of {scenario.n} cases closed; {scenario.unacknowledged} submissions "
        f"unacknowledged (in flight when a server died); {scenario.retried_moves} moves retried after "
        f"a lost answer" + (f"; errors: {scenario.errors[:3]}" if scenario.errors else ""),
    )
    with pg() as conn:
        rows = conn.execute(
            "SELECT number, description, state FROM cases_case WHERE description LIKE %s",
            [f"%multinode-{scenario.run_id}-%"],
        ).fetchall()
    by_number = {}
    markers: dict[str, int] = {}
    for number, description, state in rows:
        by_number[number] = state
        marker = description.rsplit(" ", 1)[-1]
        markers[marker] = markers.get(marker, 0) + 1
    missing = [n for n in scenario.acknowledged if n not in by_number]
    doubled = [m for m, count in markers.items() if count > 1]
    checks.check(
        "every acknowledged case exists exactly once",
        not missing and not doubled and len(scenario.acknowledged) >= scenario.n * 2 // 3,
        f"{len(scenario.acknowledged)} acknowledged, {len(rows)} in the database, missing {missing}, "
        f"doubled {doubled}",
    )
    not_closed = [n for n in scenario.finished if by_number.get(n) != "closed"]
    checks.check("every finished lifecycle left its case closed", not not_closed, f"not closed: {not_closed}")

    # Photos: in the bucket, under the names the database gives.
    s3 = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{S3}",
        aws_access_key_id="multinode",
        aws_secret_access_key="multinode-secret",
        region_name="us-east-1",
    )
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        keys |= {item["Key"] for item in page.get("Contents", [])}
    numbers = list(scenario.acknowledged)
    with pg() as conn:
        attachments = conn.execute(
            "SELECT a.id, a.kind, a.file, a.thumbnail, c.number FROM cases_attachment a "
            "JOIN cases_case c ON c.id = a.case_id WHERE c.number = ANY(%s)",
            [numbers],
        ).fetchall()
    names = {name for _id, _kind, file, thumb, _n in attachments for name in (file, thumb) if name}
    kinds = {kind for _id, kind, *_rest in attachments}
    checks.check(
        "every photo and thumbnail is in the bucket",
        bool(names) and names <= keys and {"photo", "before", "after"} <= kinds,
        f"{len(names)} objects expected, {len(names - keys)} missing; bucket holds {len(keys)}",
    )
    local = list((scenario.cluster.tmp / "data").rglob("*.jpg"))
    checks.check("nothing was written to local media", not local, f"{len(local)} local files")

    # Access: a resident's photos only for staff; resolution photos for everyone.
    cookie = staff_cookie(BASE, "intake")
    wrong = []
    # A sample of each kind (every request streams the photo from the bucket).
    sample = [
        a for kind in ("photo", "before", "after") for a in [x for x in attachments if x[1] == kind][:5]
    ]
    for pk, kind, *_rest in sample:
        for variant in ("full", "thumb"):
            path = f"/media/attachments/{pk}/{variant}"
            anonymous = http("GET", path)
            staff = http("GET", path, headers={"Cookie": cookie})
            public = kind in ("before", "after")
            if public and (anonymous.status != 200 or anonymous.body[:2] != b"\xff\xd8"):
                wrong.append(f"anonymous {kind} {path}: {anonymous.status}")
            if not public and anonymous.status != 404:
                wrong.append(f"anonymous {kind} {path}: {anonymous.status}")
            if staff.status != 200 or staff.body[:2] != b"\xff\xd8":
                wrong.append(f"intake {kind} {path}: {staff.status}")
    checks.check(
        "photos are served through the access-checked view only to those allowed",
        not wrong and bool(attachments),
        "; ".join(wrong[:5]),
    )
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{S3}/{BUCKET}/{attachments[0][2]}", timeout=5):
            direct = 200
    except urllib.error.HTTPError as exc:
        direct = exc.code
    checks.check("the bucket refuses an unsigned request for a photo", direct in (401, 403), f"HTTP {direct}")

    # Notifications: the outbox drained; the gateway got each message once (a worker killed between
    # the gateway's answer and marking the row sent may resend its one in-flight message, which the
    # gateway drops by id, as the HTTP backend's contract says).
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with pg() as conn:
            pending = conn.execute("SELECT count(*) FROM notify_message WHERE status = 'pending'").fetchone()[
                0
            ]
        if pending == 0:
            break
        time.sleep(1)
    with pg() as conn:
        rows = conn.execute("SELECT id, status FROM notify_message WHERE channel = 'sms'").fetchall()
    sent_ids = {pk for pk, status in rows if status == "sent"}
    not_sent = [pk for pk, status in rows if status != "sent"]
    with gateway.lock:
        deliveries = list(gateway.deliveries)
    unique = set(deliveries)
    duplicates = len(deliveries) - len(unique)
    checks.check(
        "each notification was delivered, none twice (beyond the killed worker's one in-flight message)",
        not not_sent and unique == sent_ids and duplicates <= 1 and len(rows) >= len(scenario.finished) * 3,
        f"{len(rows)} SMS in the outbox, {len(unique)} delivered, {duplicates} redelivered, "
        f"{len(not_sent)} not sent",
    )

    # Public lookups: nginx keeps an anonymous answer for a moment (deploy/nginx.conf), and asks
    # the app again with its ETag after that; the app reads the case's version on the replica. The
    # replica's own transaction counter shows it: it moves with lookups nginx has not seen for a
    # while, and hardly at all while the same lookups are repeated at once.
    sample = random.sample(numbers, min(10, len(numbers)))
    paths = [
        path
        for number in sample
        for path in (f"/api/v1/cases/{number}", f"/open311/v2/requests/{number}.json", f"/cases/{number}")
    ]
    bad = []

    def look_up_all() -> list[str]:
        statuses = []
        for path in paths:
            r = http("GET", path)
            if r.status != 200 or path.split("/")[-1].split(".")[0].encode() not in r.body:
                bad.append(f"{path}: {r.status}")
            statuses.append(r.headers.get("X-Cache-Status", ""))
        return statuses

    # A backend may hold its statistics for up to 10 s when idle: each phase waits that long
    # before it is counted, so that no phase's transactions are counted in the next (and every
    # copy nginx keeps is older than its two seconds by then).
    settle = 11
    time.sleep(settle)
    before = replica_commits()
    with pg() as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        primary_before = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [DB]
        ).fetchone()[0]
    look_up_all()
    time.sleep(settle)
    delta = replica_commits() - before
    with pg() as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        primary_delta = (
            conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [DB]).fetchone()[0]
            - primary_before
        )
    checks.check(
        "public lookups nginx had no fresh copy of were answered from the replica",
        not bad and delta >= len(paths),
        f"{len(paths)} lookups; replica transactions +{delta}, primary +{primary_delta} (workers poll it)"
        + (f"; bad: {bad[:3]}" if bad else ""),
    )
    rounds = 4
    look_up_all()  # nginx revalidates its copies (one small query each) …
    before = replica_commits()
    statuses = []
    for _round in range(rounds):  # … and answers these itself while they are fresh
        statuses += look_up_all()
    time.sleep(settle)
    repeated = replica_commits() - before
    hits = statuses.count("HIT")
    checks.check(
        "public lookups repeated at once were answered by nginx's cache, not the app",
        # (The replica's counter is shown, not judged: a backend reports its transactions up to
        # 10 s late, so the warm-up round's revalidations may land in this window.)
        not bad and hits >= len(statuses) * 0.9,
        f"{len(statuses)} repeated lookups, {hits} cache hits; replica transactions +{repeated}"
        + (f"; bad: {bad[:3]}" if bad else ""),
    )
    # Revalidation: a browser's conditional request is answered 304 (by nginx or the app).
    first = http("GET", paths[0])
    again = http("GET", paths[0], headers={"If-None-Match": first.headers.get("ETag", "")})
    checks.check(
        "a conditional lookup with the current ETag is answered 304",
        bool(first.headers.get("ETag")) and again.status == 304,
        f"ETag {first.headers.get('ETag')!r}, then {again.status}",
    )
    # Nothing personal is kept: a signed-in officer's page is never a cached one, nor cached.
    number = sample[0]
    officer = {"Cookie": staff_cookie(BASE, "intake")}
    pages = [http("GET", f"/cases/{number}", headers=officer) for _ in range(2)]
    anonymous = http("GET", f"/cases/{number}")
    checks.check(
        "a signed-in officer's progress page is never taken from or put into nginx's cache",
        all(p.headers.get("X-Cache-Status") == "BYPASS" and "退出".encode() in p.body for p in pages)
        and "退出".encode() not in anonymous.body,
        f"{[p.headers.get('X-Cache-Status') for p in pages]}, "
        f"anonymous {anonymous.headers.get('X-Cache-Status')}",
    )
    # nginx's own limit on lookups per address, before its cache (loopback itself is not limited:
    # 127.0.0.2 is another address on the same interface).
    limited = [http_from("127.0.0.2", "GET", paths[0]).status for _ in range(80)]
    checks.check(
        "nginx refuses a burst of lookups from one address with 429",
        limited.count(429) >= 10 and limited[:50].count(200) == 50,
        f"{limited.count(200)} answered, {limited.count(429)} refused",
    )
    with pg(REPLICA) as conn:
        in_recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    checks.check("the replica is a streaming standby", in_recovery is True)

    # Read-your-writes: a fresh case is readable at once through nginx.
    stale = []
    for i in range(5):
        body = json.dumps(
            {
                "category": "infrastructure",
                "community": "zhuzhi",
                "address": "1栋",
                "description": f"刚刚提交 {scenario.run_id}-{i}",
                "name": "测试",
                "phone": "13900009999",
            }
        ).encode()
        r = call("POST", "/api/v1/cases", body=body, headers={"Content-Type": "application/json"})
        number = r.json()["number"] if r.status == 201 else None
        if number is None:
            stale.append(f"submit: {r.status}")
            continue
        for path in (f"/api/v1/cases/{number}", f"/cases/{number}"):
            got = http("GET", path)
            if got.status != 200 or number.encode() not in got.body:
                stale.append(f"{path}: {got.status}")
    checks.check("a fresh submission is readable immediately (read-your-writes)", not stale, "; ".join(stale))


# ---------------------------------------------------------------------------------------------
# Capacity: the public lookup through nginx to two app servers against one app server alone.


def capacity(numbers: list[str], tmp: Path, seconds: int, rounds: int = 3) -> None:
    from bench.run import LUA_LOOKUP, write_script, wrk

    if not shutil.which("wrk"):
        log("wrk is not installed (apt-get install wrk): no capacity figures")
        return
    (tmp / "numbers.txt").write_text("\n".join(numbers))
    nums = [str(tmp / "numbers.txt")]
    targets = {"1 app server (direct)": f"http://127.0.0.1:{APP1}", "2 app servers behind nginx": BASE}
    results: dict[tuple[str, str], list[dict]] = {}
    for path in ("/api/v1/cases/{n}", "/cases/{n}"):
        script = write_script(tmp, f"lookup{len(results)}", LUA_LOOKUP, path)
        for _round in range(rounds):
            for name, url in targets.items():  # alternated, so both see the same noise
                results.setdefault((path, name), []).append(wrk(url, script, 8, seconds, nums))
    log(f"capacity, c=8, median of {rounds} rounds of {seconds} s (2 gunicorn workers per server):")
    rows = []
    for (path, name), runs in results.items():
        rps = sorted(r["rps"] for r in runs)[len(runs) // 2]
        p99 = sorted(r["p99_ms"] for r in runs)[len(runs) // 2]
        errors = sum(r["errors"] for r in runs)
        log(f"  {path:22} {name:28} {rps:8.1f} req/s  p99 {p99:6.1f} ms  errors {errors}")
        rows.append(
            {"path": path, "topology": name, "concurrency": 8, "rps": rps, "p99_ms": p99, "errors": errors}
        )
    for path in {row["path"] for row in rows}:
        one, two = (next(r["rps"] for r in rows if r["path"] == path and r["topology"] == t) for t in targets)
        log(f"  {path:22} 2 servers / 1 server: {two / one:.2f}×")
    # Beside `make bench`'s own results, for comparison between commits.
    out = ROOT / "bench" / "results" / f"{time.strftime('%Y%m%d-%H%M%S')}-multinode.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = f"{os.uname().nodename} · {os.cpu_count()} cores"
    out.write_text(json.dumps({"machine": machine, "results": rows}, ensure_ascii=False, indent=2))
    log(f"written {out.relative_to(ROOT)}")


# ---------------------------------------------------------------------------------------------


def preflight() -> None:
    for tool in ("nginx", "runuser"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing (apt-get install nginx)")
    if not (PG_BIN / "pg_ctl").exists():
        raise SystemExit(f"PostgreSQL binaries not found in {PG_BIN} (set PG_BIN)")
    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    with pg(dbname="postgres") as conn:
        rules = conn.execute(
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
            "AND auth_method = 'trust' AND (address IS NULL OR address = '127.0.0.1')"
        ).fetchone()[0]
        senders = int(conn.execute("SHOW max_wal_senders").fetchone()[0])
    if not rules or senders < 1:
        raise SystemExit(
            "the primary does not allow replication from 127.0.0.1: add "
            "`host replication all 127.0.0.1/32 trust` "
            "to pg_hba.conf and reload (.ci/run does this)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="leave the temporary directory for inspection")
    parser.add_argument(
        "--bench",
        type=int,
        default=0,
        metavar="SECONDS",
        help="then measure lookups: 1 server vs 2 behind nginx",
    )
    args = parser.parse_args()

    def interrupted(signum, frame):
        raise KeyboardInterrupt  # so that `finally` stops every process (CI's timeout sends SIGTERM)

    signal.signal(signal.SIGTERM, interrupted)
    preflight()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="minsheng-multinode-"))
    tmp.chmod(0o711)  # the replica's postgres user must reach its data directory inside
    cluster = Cluster(tmp)
    gateway = None
    checks = Checks()
    try:
        log(f"fresh database {DB} on the primary")
        with pg(dbname="postgres") as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB}"')
        log("S3-protocol server (moto_server) and the bucket")
        cluster.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3)])
        wait_http(f"http://127.0.0.1:{S3}/moto-api/", "moto_server")
        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{S3}",
            aws_access_key_id="multinode",
            aws_secret_access_key="multinode-secret",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)
        log("migrate, demo accounts, static files")
        cluster.manage("migrate", "--noinput")
        cluster.manage("load_demo")
        cluster.manage("collectstatic", "--noinput", "-v0")
        log(f"streaming replica on port {REPLICA} (pg_basebackup)")
        cluster.start_replica()
        gateway = Gateway(GATEWAY)
        log(f"two app servers ({APP1}, {APP2}), nginx ({NGINX}), two workers")
        cluster.app("app1", APP1)
        cluster.app("app2", APP2)
        cluster.nginx()
        cluster.worker("worker1")
        cluster.worker("worker2")
        log(f"lifecycle of {args.cases} cases through nginx")
        scenario = Scenario(cluster, args.cases)
        scenario.run()
        log(f"lifecycle done in {time.monotonic() - started:.0f} s; checking")
        verify(scenario, gateway, checks)
        if args.bench:
            capacity(list(scenario.acknowledged), tmp, args.bench)
    except (Exception, KeyboardInterrupt):
        traceback.print_exc()
        checks.check("the run completed", False)
    finally:
        cluster.stop_all()
        if gateway is not None:
            gateway.stop()
        try:
            with pg(dbname="postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        except psycopg.Error as exc:
            log(f"could not drop {DB}: {exc}")
        if checks.failed:
            logs = [tmp / f"{name}.log" for name in ("app1", "app2", "worker1", "worker2", "nginx", "s3")]
            logs += [tmp / "replica" / "replica.log", tmp / "nginx" / "error.log"]
            for f in logs:
                if f.exists() and f.stat().st_size:
                    lines = f.read_text(errors="replace").splitlines()[-15:]
                    print(f"---- {f.relative_to(tmp)} (last lines)\n" + "\n".join(lines))
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log(f"took {time.monotonic() - started:.0f} s")
    print(f"multinode: {len(checks.passed)} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
