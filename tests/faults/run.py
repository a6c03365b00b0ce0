"""The fault test: submissions and stage changes under SIGKILLed web workers, a PostgreSQL restart and
a failing SMS gateway; then a reconciliation that must find nothing lost and nothing doubled.

    .venv/bin/python tests/faults/run.py [--duration 45] [--restart-postgres] [--port 8410]

It creates a fresh PostgreSQL database (hrel_faults by default, --database), starts gunicorn
(2 workers, DEBUG=0) and the notify worker with the HTTP SMS backend pointed at a fake gateway this
script runs, and drives a load client that behaves like a mobile app on a bad network: each
submission has its own Idempotency-Key, and on a timeout, a reset connection or a 5xx it sends the
SAME request again with the SAME key until it gets an answer. Every acknowledged (2xx) answer is
journaled. Meanwhile it SIGKILLs gunicorn workers, makes the gateway answer 500s and then hang
(taking the message but answering after the backend has given up), SIGKILLs the notify worker while
it waits on the gateway, and (with --restart-postgres) restarts PostgreSQL with `-m immediate`.

Then it checks, straight in the database: every acknowledged submission exists exactly once with
its content and photos; case numbers are unique and gap-free per day; every acknowledged stage
change has its event row, once; every SMS in the outbox reached the gateway, and no message reached
a phone twice. Exit status 1 on any discrepancy. The journal and the report go to --out.

The fake gateway drops a message_id it already took, as real gateways do with a client message id:
the outbox delivers at least once (a worker killed after the gateway took a message sends it
again), and this is what makes it exactly once for the resident. The report counts those resends.
"""

import argparse
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable
from tests.harness import multipart, production_env  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PASSWORD = "minsheng-demo"  # the demo accounts load_demo creates
CATEGORIES = ["infrastructure", "sanitation"]
COMMUNITIES = ["zhuzhi", "kuimen"]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# The fake SMS gateway


class Gateway:
    """Takes messages, drops a message_id it already took, and can be told to fail or to hang."""

    def __init__(self, *, dedup: bool = True):
        self.dedup = dedup  # False: every post reaches a phone (a gateway without client message ids)
        self.mode = "ok"  # ok | fail (HTTP 500, takes nothing) | hang (takes it, answers too late)
        self.lock = threading.Lock()
        self.delivered: dict[str, dict] = {}  # message_id -> body: what reached a phone
        self.resends = 0  # posts of a message_id already taken (dropped)
        self.refused = 0  # posts answered with 500
        self.posts = 0

    def handle(self, body: dict) -> int:
        with self.lock:
            self.posts += 1
            if self.mode == "fail":
                self.refused += 1
                return 500
            message_id = body.get("message_id")
            if message_id in self.delivered:
                self.resends += 1
                if not self.dedup:
                    self.delivered[f"{message_id}/resend-{self.resends}"] = body
            else:
                self.delivered[message_id] = body
        return 200


def serve_gateway(gateway: Gateway, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            status = gateway.handle(body)
            if status == 200 and gateway.mode == "hang":
                time.sleep(4)  # longer than SMS_HTTP_TIMEOUT: the worker gives up, the phone got it
            answer = b'{"ok": true}' if status == 200 else b'{"ok": false}'
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the worker hung up (it timed out, or was killed)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass

    server = Server(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------
# The load client


def jpeg(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (seed % 256, (seed * 7) % 256, 120)).save(buf, "JPEG")
    return buf.getvalue()


@dataclass
class Journal:
    lock: threading.Lock = field(default_factory=threading.Lock)
    submissions: list[dict] = field(default_factory=list)  # acknowledged: key, number, body, photos
    moves: list[dict] = field(default_factory=list)  # acknowledged: number, action (200)
    moves_after_retry: list[dict] = field(default_factory=list)  # 409 after a retried attempt
    gave_up: list[dict] = field(default_factory=list)
    retries: Counter = field(default_factory=Counter)
    replays_checked: int = 0
    replay_errors: list[str] = field(default_factory=list)


class Client:
    keys = True  # False: retries without an Idempotency-Key (to see the check catch doubles)

    def __init__(self, base: str, journal: Journal, *, deadline: float):
        self.base = base
        self.journal = journal
        self.deadline = deadline  # a request is retried until then (and then given up, journaled)

    def request(self, method, path, body: bytes = b"", headers=None, *, what: str) -> tuple[int, dict, dict]:
        """Send until an answer that is not a 5xx / 429 / network error; the same bytes every time."""
        attempt = 0
        while True:
            attempt += 1
            req = urllib.request.Request(
                self.base + path, data=body or None, method=method, headers=headers or {}
            )
            try:
                with urllib.request.urlopen(req, timeout=15) as response:
                    return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
            except urllib.error.HTTPError as exc:
                payload = exc.read()
                if exc.code < 500 and exc.code != 429:
                    try:
                        data = json.loads(payload)
                    except ValueError:
                        data = {"raw": payload[:200].decode(errors="replace")}
                    return exc.code, data, dict(exc.headers)
                reason = f"http {exc.code}"
                wait = float(exc.headers.get("Retry-After") or 0.5) if exc.code == 429 else 0.5
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = type(getattr(exc, "reason", exc)).__name__
                wait = 0.5
            with self.journal.lock:
                self.journal.retries[f"{what}: {reason}"] += 1
            if time.monotonic() > self.deadline:
                raise TimeoutError(f"{what} gave up after {attempt} attempts ({reason})")
            time.sleep(wait * min(attempt, 4))

    def submit(self, i: int) -> None:
        key = str(uuid.uuid4())
        phone = f"139{random.randrange(10**8):08d}"
        fields = {
            "category": CATEGORIES[i % len(CATEGORIES)],
            "community": COMMUNITIES[i % len(COMMUNITIES)],
            "address": f"{i % 40 + 1}栋{i % 6 + 1}单元",
            "description": f"故障测试 {key}:楼道灯不亮",
            "name": "测试居民",
            "phone": phone,
        }
        photos = [("photos", f"p{i}.jpg", jpeg(i))] if i % 5 == 0 else []
        if photos:
            body, content_type = multipart(fields, photos)
        else:
            body, content_type = json.dumps(fields, ensure_ascii=False).encode(), "application/json"
        headers = {"Content-Type": content_type}
        if self.keys:
            headers["Idempotency-Key"] = key
        try:
            status, data, _headers = self.request("POST", "/api/v1/cases", body, headers, what="submit")
        except TimeoutError as exc:
            with self.journal.lock:
                self.journal.gave_up.append({"key": key, "error": str(exc), **fields})
            return
        if status != 201:
            with self.journal.lock:
                self.journal.gave_up.append({"key": key, "status": status, "answer": data, **fields})
            return
        entry = {"key": key, "number": data["number"], "photos": len(photos), **fields}
        with self.journal.lock:
            self.journal.submissions.append(entry)
        if i % 7 == 0 and self.keys:  # a double tap: the same request again must answer with the same case
            status, again, headers = self.request("POST", "/api/v1/cases", body, dict(headers), what="replay")
            with self.journal.lock:
                self.journal.replays_checked += 1
                if status != 201 or again.get("number") != data["number"]:
                    self.journal.replay_errors.append(f"{key}: {status} {again}")
                elif headers.get("Idempotent-Replayed") != "true":
                    self.journal.replay_errors.append(f"{key}: no Idempotent-Replayed header")

    def token(self) -> str:
        body = json.dumps({"username": "intake", "password": PASSWORD}).encode()
        status, data, _h = self.request(
            "POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"}, what="token"
        )
        assert status == 200, data
        return data["token"]

    def move(self, token: str, number: str, action: str, payload: dict | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        attempts_before = sum(self.journal.retries.values())
        try:
            status, data, _h = self.request(
                "POST",
                f"/api/v1/cases/{number}/{action}",
                json.dumps(payload or {}).encode(),
                headers,
                what=action,
            )
        except TimeoutError as exc:
            with self.journal.lock:
                self.journal.gave_up.append({"number": number, "action": action, "error": str(exc)})
            return
        retried = sum(self.journal.retries.values()) > attempts_before
        with self.journal.lock:
            if status == 200:
                self.journal.moves.append({"number": number, "action": action})
            elif status == 409 and retried:
                # The first attempt may have committed before its answer was lost: checked later.
                self.journal.moves_after_retry.append({"number": number, "action": action})
            else:
                self.journal.gave_up.append(
                    {"number": number, "action": action, "status": status, "answer": data}
                )


def run_load(base: str, journal: Journal, stop: threading.Event, *, threads: int, deadline: float) -> list:
    counter = iter(range(1, 10**9))
    counter_lock = threading.Lock()

    def submitter():
        client = Client(base, journal, deadline=deadline)
        while not stop.is_set():
            with counter_lock:
                i = next(counter)
            client.submit(i)

    def staff():
        client = Client(base, journal, deadline=deadline)
        token = client.token()
        done = set()
        while not stop.is_set():
            with journal.lock:
                todo = [s["number"] for s in journal.submissions if s["number"] not in done]
            if not todo:
                time.sleep(0.3)
                continue
            number = todo[0]
            done.add(number)
            if len(done) % 3 == 0:
                continue  # leave some cases waiting at intake
            client.move(token, number, "accept")
            if len(done) % 2 == 0:
                client.move(token, number, "dispatch", {"department": "property"})

    workers = [threading.Thread(target=submitter, daemon=True) for _ in range(threads)]
    workers.append(threading.Thread(target=staff, daemon=True))
    for worker in workers:
        worker.start()
    return workers


# ---------------------------------------------------------------------------------------------
# Processes


class Platform:
    def __init__(self, args, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.base_url = f"http://127.0.0.1:{args.port}"
        base = urlsplit(args.database_url)
        self.database_url = urlunsplit(base._replace(path=f"/{args.database}"))
        self.admin_url = urlunsplit(base._replace(path="/postgres"))
        self.env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATA_DIR", "MEDIA_ROOT")}
        self.env.update(
            production_env("faults"),
            DATABASE_URL=self.database_url,
            DATA_DIR=str(workdir / "data"),
            MEDIA_ROOT=str(workdir / "media"),
            SITE_URL=self.base_url,
            SMS_BACKEND="http",
            SMS_HTTP_URL=f"http://127.0.0.1:{args.port + 1}/sms",
            SMS_HTTP_KEY="faults",
            SMS_HTTP_TIMEOUT="2",
            NOTIFY_RETRY_SECONDS="1",
            NOTIFY_RETRY_MAX_SECONDS="3",
            NOTIFY_MAX_ATTEMPTS="100000",
            NOTIFY_CLAIM_STALE_SECONDS="8",
        )
        self.gunicorn = None
        self.worker = None
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    def psql_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def prepare(self) -> None:
        name = self.args.database
        self.psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.psql_admin(f'CREATE DATABASE "{name}"')
        for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
            subprocess.run(
                [PYTHON, "manage.py", *command], cwd=ROOT, env=self.env, check=True, capture_output=True
            )

    def start(self) -> None:
        self.gunicorn = subprocess.Popen(
            [
                GUNICORN,
                "minsheng.wsgi",
                "--bind",
                f"127.0.0.1:{self.args.port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.logs / "gunicorn.log", "ab"),
            stderr=subprocess.STDOUT,
        )
        self.start_worker()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(self.base_url + "/api/v1/categories", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise RuntimeError("gunicorn did not start; see " + str(self.logs / "gunicorn.log"))

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [PYTHON, "manage.py", "run_worker", "--poll", "0.5"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.logs / "worker.log", "ab"),
            stderr=subprocess.STDOUT,
        )

    def web_workers(self) -> list[int]:
        pid = self.gunicorn.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def kill_web_worker(self) -> int | None:
        workers = self.web_workers()
        if not workers:
            return None
        victim = random.choice(workers)
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_notify_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)
        self.start_worker()

    def restart_postgres(self) -> float:
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        started = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "immediate"],
            check=True,
            capture_output=True,
        )
        for _ in range(120):
            if (
                subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode
                == 0
            ):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("PostgreSQL did not come back within 60 s")
        return time.monotonic() - started

    def stop(self) -> None:
        for process in (self.worker, self.gunicorn):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


# ---------------------------------------------------------------------------------------------
# Reconciliation


def message_id(pk: int, created_at) -> str:
    # notify.backends.http.HttpBackend.message_id
    return f"{pk}.{int(created_at.timestamp() * 1_000_000)}"


def reconcile(platform: Platform, journal: Journal, gateway: Gateway) -> tuple[list[str], dict]:
    import psycopg

    problems: list[str] = []
    media = platform.workdir / "media"
    with psycopg.connect(platform.database_url) as conn:
        # Submissions: exactly once, with their content and photos.
        for entry in journal.submissions:
            rows = conn.execute(
                "SELECT c.id, c.number, c.address, c.phone, cat.code, com.code FROM cases_case c "
                "JOIN cases_category cat ON cat.id = c.category_id "
                "JOIN cases_community com ON com.id = c.community_id "
                "WHERE c.description = %s",
                [entry["description"]],
            ).fetchall()
            if len(rows) != 1:
                problems.append(f"submission {entry['key']}: {len(rows)} cases in the database (expected 1)")
                continue
            case_id, number, address, phone, category, community = rows[0]
            if number != entry["number"]:
                problems.append(
                    f"submission {entry['key']}: acknowledged as {entry['number']}, stored as {number}"
                )
            if (address, phone, category, community) != (
                entry["address"],
                entry["phone"],
                entry["category"],
                entry["community"],
            ):
                problems.append(f"case {number}: content differs from what was submitted")
            photos = conn.execute(
                "SELECT file, thumbnail FROM cases_attachment WHERE case_id = %s AND kind = 'photo'",
                [case_id],
            ).fetchall()
            if len(photos) != entry["photos"]:
                problems.append(f"case {number}: {len(photos)} photos stored, {entry['photos']} sent")
            for file_name, thumb in photos:
                for name in (file_name, thumb):
                    if not (media / name).is_file():
                        problems.append(f"case {number}: photo file {name} is missing")
        keys = Counter(entry["key"] for entry in journal.submissions)
        problems += [f"key {k} acknowledged {n} times" for k, n in keys.items() if n > 1]
        stray = conn.execute(
            "SELECT COUNT(*) FROM cases_case WHERE description LIKE '故障测试 %%'"
        ).fetchone()[0] - len(journal.submissions)
        # Cases the client never heard about (it gave up while the platform had already committed).
        unacknowledged = max(stray, 0)

        # Numbers: unique (a constraint) and gap-free per day, matching the day's counter.
        numbers = [n for (n,) in conn.execute("SELECT number FROM cases_case").fetchall()]
        if len(numbers) != len(set(numbers)):
            problems.append("duplicate case numbers")
        by_day: dict[str, list[int]] = {}
        for number in numbers:
            day, seq = number.split("-")
            by_day.setdefault(day, []).append(int(seq))
        counters = {
            day.strftime("%Y%m%d"): last
            for day, last in conn.execute("SELECT day, last FROM cases_dailycounter").fetchall()
        }
        for day, seqs in by_day.items():
            if sorted(seqs) != list(range(1, len(seqs) + 1)):
                missing = sorted(set(range(1, max(seqs) + 1)) - set(seqs))
                problems.append(f"numbers of {day} are not gap-free (missing {missing[:10]})")
            if counters.get(day) != len(seqs):
                problems.append(f"counter of {day} says {counters.get(day)}, {len(seqs)} cases")

        # Stage changes: each acknowledged one has its event row, exactly once.
        for move in journal.moves + journal.moves_after_retry:
            count = conn.execute(
                "SELECT COUNT(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
                "WHERE c.number = %s AND e.action = %s",
                [move["number"], move["action"]],
            ).fetchone()[0]
            if count != 1:
                problems.append(f"{move['action']} of {move['number']}: {count} event rows (expected 1)")

        # Notifications: every SMS row sent, each reached the gateway, none reached a phone twice.
        rows = conn.execute(
            "SELECT id, created_at, status, recipient, text, key FROM notify_message WHERE channel = 'sms'"
        ).fetchall()
        expected = {
            message_id(pk, created): (status, recipient, text, key)
            for pk, created, status, recipient, text, key in rows
        }
        not_sent = [mid for mid, (status, *_rest) in expected.items() if status != "sent"]
        lost = sorted(set(expected) - set(gateway.delivered))
        phantom = sorted(set(gateway.delivered) - set(expected))
        handset = Counter((body["phone"], body["text"]) for body in gateway.delivered.values())
        duplicates = sum(n - 1 for n in handset.values() if n > 1)
        outbox_twice = [k for k, n in Counter((r[5], r[3]) for r in rows).items() if n > 1]
        if not_sent:
            problems.append(f"{len(not_sent)} SMS still not marked sent: {not_sent[:5]}")
        if lost:
            problems.append(f"{len(lost)} SMS never reached the gateway: {lost[:5]}")
        if phantom:
            problems.append(
                f"{len(phantom)} messages at the gateway that are not in the outbox: {phantom[:5]}"
            )
        if duplicates:
            problems.append(f"{duplicates} SMS reached a phone twice")
        if outbox_twice:
            problems.append(f"messages queued twice: {outbox_twice[:5]}")
        events = conn.execute("SELECT COUNT(*) FROM cases_caseevent").fetchone()[0]
    problems += [f"replay: {e}" for e in journal.replay_errors]
    problems += [f"gave up: {json.dumps(g, ensure_ascii=False)[:200]}" for g in journal.gave_up]
    figures = {
        "submissions_acknowledged": len(journal.submissions),
        "submissions_with_photos": sum(1 for s in journal.submissions if s["photos"]),
        "double_taps_replayed": journal.replays_checked,
        "stage_changes_acknowledged": len(journal.moves),
        "stage_changes_409_after_retry": len(journal.moves_after_retry),
        "cases_in_database": len(numbers),
        "events_in_database": events,
        "unacknowledged_cases_created": unacknowledged,
        "sms_in_outbox": len(expected),
        "sms_delivered": len(set(expected) & set(gateway.delivered)),
        "sms_lost": len(lost) + len(not_sent),
        "sms_duplicates_to_phones": duplicates,
        "sms_resends_dropped_by_gateway": gateway.resends,
        "gateway_500s": gateway.refused,
        "client_retries": dict(journal.retries),
    }
    return problems, figures


# ---------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=45, help="seconds of load (faults happen inside it)"
    )
    parser.add_argument("--threads", type=int, default=3, help="submitting clients")
    parser.add_argument(
        "--port", type=int, default=8410, help="gunicorn's port; the fake gateway uses port + 1"
    )
    parser.add_argument(
        "--database", default="hrel_faults", help="a fresh PostgreSQL database (dropped first)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="the server to use (its database name is replaced by --database)",
    )
    parser.add_argument("--restart-postgres", action="store_true", help="restart the PostgreSQL cluster once")
    parser.add_argument("--kills", type=int, default=4, help="gunicorn workers to SIGKILL")
    parser.add_argument("--out", default=str(ROOT / "var" / "faults"), help="journal, report and logs")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    # Protection removed, to see the reconciliation fail (exit 1):
    parser.add_argument(
        "--without-keys", action="store_true", help="retry submissions without Idempotency-Key"
    )
    parser.add_argument(
        "--gateway-without-dedup",
        action="store_true",
        help="the fake gateway delivers every post, resends too",
    )
    args = parser.parse_args()
    random.seed(args.port)
    workdir = Path(args.out)
    workdir.mkdir(parents=True, exist_ok=True)

    gateway = Gateway(dedup=not args.gateway_without_dedup)
    Client.keys = not args.without_keys
    server = serve_gateway(gateway, args.port + 1)
    platform = Platform(args, workdir)
    log(f"preparing database {args.database}")
    platform.prepare()
    platform.start()
    log(
        f"gunicorn on {platform.base_url} (workers {platform.web_workers()}), notify worker, "
        f"gateway on :{args.port + 1}"
    )

    journal = Journal()
    stop = threading.Event()
    started = time.monotonic()
    # A request may be retried until well after the load stops (the platform must come back).
    workers = run_load(
        platform.base_url, journal, stop, threads=args.threads, deadline=started + args.duration + 90
    )

    faults: list[str] = []
    d = args.duration
    schedule = [(d * (k + 1) / (args.kills + 1), "kill-web") for k in range(args.kills)]
    schedule += [
        (d * 0.15, "gateway-fail"),
        (d * 0.40, "gateway-hang"),
        (d * 0.45, "kill-notify"),
        (d * 0.60, "gateway-ok"),
    ]
    if args.restart_postgres:
        schedule.append((d * 0.70, "restart-postgres"))
    for at, fault in sorted(schedule):
        time.sleep(max(0.0, started + at - time.monotonic()))
        if fault == "kill-web":
            victim = platform.kill_web_worker()
            faults.append(f"SIGKILL gunicorn worker {victim}")
        elif fault == "gateway-fail":
            gateway.mode = "fail"
            faults.append("SMS gateway answers 500")
        elif fault == "gateway-hang":
            gateway.mode = "hang"
            faults.append("SMS gateway takes messages but answers after the timeout")
        elif fault == "kill-notify":
            platform.kill_notify_worker()
            faults.append("SIGKILL notify worker (waiting on the gateway), restarted")
        elif fault == "gateway-ok":
            gateway.mode = "ok"
            faults.append("SMS gateway recovered")
        elif fault == "restart-postgres":
            seconds = platform.restart_postgres()
            faults.append(f"PostgreSQL restarted (-m immediate), back in {seconds:.1f} s")
        log(faults[-1])
    time.sleep(max(0.0, started + d - time.monotonic()))
    stop.set()
    log("load stopped; waiting for in-flight requests")
    for worker in workers:
        worker.join(timeout=120)

    log("waiting for the outbox to drain")
    drained = wait_for_outbox(platform, gateway, timeout=90)
    problems, figures = reconcile(platform, journal, gateway)
    if not drained:
        problems.append("the outbox did not drain within 90 s")
    platform.stop()
    server.shutdown()
    if not args.keep:
        platform.psql_admin(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')

    figures["faults_injected"] = faults
    figures["duration_seconds"] = round(time.monotonic() - started, 1)
    report = {"ok": not problems, "figures": figures, "problems": problems}
    (workdir / "journal.json").write_text(
        json.dumps({"submissions": journal.submissions, "moves": journal.moves}, ensure_ascii=False, indent=1)
    )
    (workdir / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    log("OK: nothing lost, nothing doubled" if not problems else f"FAILED: {len(problems)} discrepancies")
    return 0 if not problems else 1


def wait_for_outbox(platform: Platform, gateway: Gateway, *, timeout: float) -> bool:
    import psycopg

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with psycopg.connect(platform.database_url) as conn:
                pending = conn.execute(
                    "SELECT COUNT(*) FROM notify_message WHERE status <> 'sent'"
                ).fetchone()[0]
            if pending == 0:
                return True
        except psycopg.OperationalError:
            pass
        time.sleep(1)
    return False


if __name__ == "__main__":
    sys.exit(main())
