"""The multi-node test's pieces (tests/multinode/run.py): HTTP through nginx, the fake SMS gateway,
and the cluster of PostgreSQL primary and replica, S3, app servers, workers and nginx on loopback."""

import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable
from tests.harness import multipart, production_env, staff_cookie  # noqa: E402,F401

BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PRIMARY = "postgres://postgres@127.0.0.1:5432"
DB = os.environ.get("MULTINODE_DB", "hmn_ci")
REDIS_URL = os.environ.get("MULTINODE_REDIS_URL", "redis://127.0.0.1:6379/5")
BUCKET = "minsheng-multinode"
NGINX, APP1, APP2, S3, GATEWAY, REPLICA = 8500, 8501, 8502, 8510, 8520, 5440
BASE = f"http://127.0.0.1:{NGINX}"


def log(message: str) -> None:
    print(f"[multinode {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP through nginx


class Response:
    def __init__(self, status: int, body: bytes, headers):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body)


def http(method: str, path: str, *, body: bytes | None = None, headers: dict | None = None) -> Response:
    request = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return Response(r.status, r.read(), r.headers)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, exc.read(), exc.headers)


def http_from(source: str, method: str, path: str) -> Response:
    """A request to nginx sent from another loopback address (nginx sees it as another client)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", NGINX, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path)
        r = connection.getresponse()
        return Response(r.status, r.read(), r.headers)
    finally:
        connection.close()


def jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (rng.randrange(256), rng.randrange(256), rng.randrange(256))).save(
        buf, "JPEG"
    )
    return buf.getvalue()


TRANSIENT = {502, 503, 504}


def call(method, path, *, body=None, headers=None, tries=15) -> Response:
    """A request that an app server's death may interrupt: retried on 502/503/504 and refused
    connections (nginx sends the retry to the server that is alive)."""
    for attempt in range(tries):
        try:
            response = http(method, path, body=body, headers=headers)
        except OSError:
            response = None
        if response is not None and response.status not in TRANSIENT:
            response.attempts = attempt + 1
            return response
        time.sleep(0.3)
    raise RuntimeError(f"{method} {path}: still failing after {tries} tries")


# ---------------------------------------------------------------------------------------------
# The fake SMS gateway: answers like a real one, records every delivery (duplicates too).


class Gateway:
    def __init__(self, port: int):
        self.deliveries: list[int] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with gateway.lock:
                    gateway.deliveries.append(int(body["id"]))
                answer = json.dumps({"ok": True}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------
# Processes


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.replica_dir = tmp / "replica"
        self.replica_started = False
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "S3_", "REDIS"))},
            "DJANGO_SETTINGS_MODULE": "minsheng.settings",
            **production_env("multinode"),
            "SITE_URL": BASE,
            "DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": f"{PRIMARY}/{DB}",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{REPLICA}/{DB}",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"multinode-{uuid.uuid4().hex[:8]}",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{S3}",
            "S3_ACCESS_KEY_ID": "multinode",
            "S3_SECRET_ACCESS_KEY": "multinode-secret",
            "S3_REGION": "us-east-1",
            "SMS_BACKEND": "http",
            "SMS_HTTP_URL": f"http://127.0.0.1:{GATEWAY}/send",
            "SMS_HTTP_TIMEOUT": "5",
            # A worker killed holding a claim: its message is taken over after this (default 10 min).
            "NOTIFY_CLAIM_STALE_SECONDS": "15",
            # The app servers sit behind our nginx, which appends the client's address.
            "TRUSTED_PROXY_COUNT": "1",
        }

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        out = open(self.tmp / f"{name}.log", "ab")
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env or self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def manage(self, *argv: str) -> None:
        subprocess.run(
            [str(BIN / "python"), "manage.py", *argv],
            cwd=ROOT,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def app(self, name: str, port: int) -> None:
        self.start(
            name,
            [
                str(BIN / "gunicorn"),
                "minsheng.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
        )
        wait_http(f"http://127.0.0.1:{port}/api/v1/categories", name)

    def worker(self, name: str) -> None:
        self.start(name, [str(BIN / "python"), "manage.py", "run_worker", "--poll", "1"])

    def start_replica(self) -> None:
        d = self.replica_dir
        d.mkdir()
        shutil.chown(d, "postgres", "postgres")
        d.chmod(0o700)
        as_postgres = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [
                *as_postgres,
                str(PG_BIN / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                "5432",
                "-U",
                "postgres",
                "-D",
                str(d),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
            check=True,
        )
        # Debian keeps the configuration outside the data directory: give the replica its own.
        (d / "postgresql.conf").write_text(
            f"port = {REPLICA}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{d}'\n"
            "hot_standby = on\nshared_buffers = 32MB\n"
        )
        (d / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (d / "pg_ident.conf").write_text("")
        for f in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(d / f, "postgres", "postgres")
        subprocess.run(
            [
                *as_postgres,
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(d),
                "-l",
                str(d / "replica.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.replica_started = True

    def stop_replica(self) -> None:
        if self.replica_started:
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.replica_dir),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                check=False,
                stdout=subprocess.DEVNULL,
            )
            self.replica_started = False

    def nginx(self) -> None:
        prefix = self.tmp / "nginx"
        prefix.mkdir()
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "cache"):
            (prefix / sub).mkdir()
            (prefix / sub).chmod(0o777)  # nginx's workers run as an unprivileged user
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in (APP1, APP2)
        )
        template = (Path(__file__).parent / "nginx.conf.template").read_text()
        conf = template.replace("{{prefix}}", str(prefix)).replace("{{servers}}", servers)
        (prefix / "nginx.conf").write_text(conf.replace("{{port}}", str(NGINX)))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.start("nginx", [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")])
        wait_http(f"{BASE}/api/v1/categories", "nginx")

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)
        self.stop_replica()


def wait_http(url: str, name: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{name} did not answer at {url}")


def pg(port: int = 5432, dbname: str = DB, autocommit=True):
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname, autocommit=autocommit)


# ---------------------------------------------------------------------------------------------
