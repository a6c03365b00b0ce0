"""`make bench`: load the platform like a city would, against the bare-Django ceiling, in one run.

Steps: build (or reuse) a synthetic population of --cases cases (on PostgreSQL then vacuumed and
checkpointed, and analysed again after the lookups' warm-up); start the platform and the ceiling
under gunicorn with production settings; drive both with wrk on loopback at each concurrency,
alternating servers over several rounds; print medians as ratios to the ceiling and write JSON
under bench/results/.

Usage: .venv/bin/python bench/run.py [--cases 100000] [--quick] [--rounds 3] [--duration 8]
PostgreSQL is used when DATABASE_URL is set (the bench creates its own database next to it).
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make the project importable
from bench import nginx  # noqa: E402
from tests.harness import production_env, staff_cookie  # noqa: E402

PY = sys.executable
RESULTS = ROOT / "bench" / "results"
# Cold lookups timed one at a time before the rest of the warm-up runs four at a time.
COLD_TIMED = 150
WORKERS = 2  # default: one sync worker per core of this 2-core machine (--workers to compare)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(args) -> dict:
    env = dict(os.environ)
    env.update(production_env("bench"), CONN_MAX_AGE="600")
    if os.environ.get("DATABASE_URL"):
        url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urllib.parse.urlunsplit(url._replace(path=f"/minsheng_bench_{args.cases}"))
        env["BENCH_DB"] = "postgresql"
    else:
        env.pop("DATABASE_URL", None)
        env["DATA_DIR"] = str(ROOT / "bench" / "var" / f"sqlite-{args.cases}")
        env["BENCH_DB"] = "sqlite"
    return env


def manage(env, *argv, capture=False):
    return subprocess.run(
        [PY, "manage.py", *argv], cwd=ROOT, env=env, check=True, text=True, capture_output=capture
    )


def ensure_database(env) -> None:
    if env["BENCH_DB"] != "postgresql":
        Path(env["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
        return
    url = urllib.parse.urlsplit(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = urllib.parse.urlunsplit(url._replace(path="/postgres"))
    exists = subprocess.run(
        ["psql", admin, "-tAc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'], check=True)


def population(env, cases: int) -> int:
    """Migrate, load the demo, and generate cases up to the requested size (reused between runs)."""
    ensure_database(env)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    have = int(
        manage(env, "shell", "-c", "from cases.models import Case; print(Case.objects.count())", capture=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    if have < cases:
        started = time.monotonic()
        manage(env, "generate_cases", "--cases", str(cases - have))
        print(f"  generated {cases - have} cases in {time.monotonic() - started:.0f} s")
        if env["BENCH_DB"] == "postgresql":
            # Measure a settled database, as a long-running server's would be, not the minutes
            # after a bulk load: vacuumed (hint bits and visibility map set, which the first
            # readers of each page would otherwise write) and checkpointed (the new rows written
            # out, not competing with the measurement for the disk).
            started = time.monotonic()
            for sql in ("VACUUM (ANALYZE)", "CHECKPOINT"):
                subprocess.run(["psql", env["DATABASE_URL"], "-qc", sql], check=True)
            print(f"  vacuumed and checkpointed in {time.monotonic() - started:.0f} s")
    return max(have, cases)


def sample_numbers(env, n=2000) -> list[str]:
    out = manage(
        env,
        "shell",
        "-c",
        "import random\n"
        "from cases.models import Case\n"
        "top = Case.objects.order_by('-id').values_list('id', flat=True).first() or 0\n"
        f"ids = random.Random(7).sample(range(1, top + 1), min({n}, top))\n"
        "print('\\n'.join(Case.objects.filter(id__in=ids).values_list('number', flat=True)))",
        capture=True,
    ).stdout
    return [line for line in out.splitlines() if re.fullmatch(r"\d{8}-\d{4,6}", line)]


class Server:
    def __init__(self, name, app, env, workers=WORKERS, cwd=ROOT):
        self.name, self.port, self.workers = name, free_port(), workers
        self.proc = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--keep-alive",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    def wait(self, path):
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as r:
                    if r.status < 500:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    def rss_mb(self) -> float:
        """The largest resident set of the workers (children of the gunicorn master)."""
        peak = 0
        for pid in Path("/proc").iterdir():
            if not pid.name.isdigit():
                continue
            try:
                status = (pid / "status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{self.proc.pid}$", status, re.M):
                m = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
                if m:
                    peak = max(peak, int(m.group(1)))
        return round(peak / 1024, 1)

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


LUA_COMMON = r"""
local numbers = {}
local counter = 0
init = function(args)
  for line in io.lines(args[1]) do numbers[#numbers + 1] = line end
  math.randomseed(os.time() + (args[2] and tonumber(args[2]) or 0))
end
"""
LUA_LOOKUP = (
    LUA_COMMON
    + r"""
request = function()
  local n = numbers[math.random(#numbers)]
  local path = string.gsub(PATH, "{n}", n)
  return wrk.format("GET", path)
end
"""
)
# Conditional GETs: each line of the file is "number etag", the validator the case's answer carries.
LUA_CONDITIONAL = r"""
local numbers, tags = {}, {}
init = function(args)
  for line in io.lines(args[1]) do
    local n, tag = string.match(line, "^(%S+) (.+)$")
    numbers[#numbers + 1] = n
    tags[#tags + 1] = tag
  end
  math.randomseed(os.time())
end
request = function()
  local i = math.random(#numbers)
  local path = string.gsub(PATH, "{n}", numbers[i])
  return wrk.format("GET", path, {["If-None-Match"] = tags[i]})
end
"""
LUA_SUBMIT_JSON = r"""
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"category":"infrastructure","community":"zhuzhi","address":"3栋2单元5楼",' ..
    '"description":"压测提交 ' .. counter .. '","name":"压测","phone":"13800001234"}'
  return wrk.format("POST", "/api/v1/cases", {["Content-Type"] = "application/json"}, body)
end
"""
LUA_SUBMIT_FORM = r"""
local counter = 0
request = function()
  counter = counter + 1
  local body = "service_code=infrastructure&attribute%5Bcommunity%5D=zhuzhi&address_string=3%E6%A0%8B" ..
    "&description=load+test+" .. counter .. "&first_name=%E5%8E%8B&last_name=%E6%B5%8B&phone=13800001234"
  return wrk.format("POST", "/open311/v2/requests.json",
    {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""
LUA_REPORT = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH %d %f %f %f %d\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
"""


def wrk(url, script, concurrency, duration, args=(), headers=()) -> dict:
    cmd = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "10s", "-s", script]
    for h in headers:
        cmd += ["-H", h]
    cmd += [url, "--", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    _b, count, secs, p50, p99, errors = line.split()
    return {
        "requests": int(count),
        "rps": round(int(count) / float(secs), 1),
        "p50_ms": round(float(p50), 2),
        "p99_ms": round(float(p99), 2),
        "errors": int(errors),
    }


def write_script(tmp: Path, name: str, body: str, path: str = "") -> str:
    script = tmp / f"{name}.lua"
    script.write_text(body.replace("PATH", json.dumps(path)) + LUA_REPORT)
    return str(script)


def dashboard_year_path() -> str:
    """The dashboard for the full year the population spans (its default view is half a year)."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return f"/supervisor/dashboard?from={today - timedelta(days=364)}&to={today}"


def spot_check(server: Server, numbers: list[str]) -> None:
    """Every scenario's response is checked once for content before it is loaded."""
    n = random.choice(numbers)
    body = json.loads(urllib.request.urlopen(f"{server.url}/api/v1/cases/{n}").read())
    assert body["number"] == n and len(body["stages"]) == 5, body
    body = json.loads(urllib.request.urlopen(f"{server.url}/open311/v2/requests/{n}.json").read())
    assert body[0]["service_request_id"] == n, body
    page = urllib.request.urlopen(f"{server.url}/cases/{n}").read().decode()
    assert n in page
    listing = json.loads(urllib.request.urlopen(f"{server.url}/open311/v2/requests.json").read())
    assert isinstance(listing, list)


def export_revision(revision: str) -> Path:
    """The code of `revision` in a folder of its own under bench/var/, to serve beside this one."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = ROOT / "bench" / "var" / f"code-{sha[:12]}"
    if not (target / "manage.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", sha], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def migrations(tree: Path) -> set[str]:
    return {str(p.relative_to(tree)) for p in tree.glob("*/migrations/0*.py")}


def hot_tags(server: Server, numbers: list[str], path: str) -> list[str]:
    """ "number etag" for each case: the validator a browser that has seen it would send back."""
    lines = []
    for number in numbers:
        with urllib.request.urlopen(server.url + path.format(n=number)) as r:
            lines.append(f"{number} {r.headers['ETag']}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=6, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--quick", action="store_true", help="10k cases, 500 sampled, 1 round of 2 s")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers, for both servers")
    parser.add_argument(
        "--before",
        default="",
        help="a git revision served beside this code on the same database and alternated with it "
        "(its migrations must all be this code's)",
    )
    parser.add_argument("--hot", type=int, default=50, help="cases in the storm through nginx")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.rounds, args.duration = min(args.cases, 10_000), 1, 2
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    before_tree = None
    if args.before:
        before_tree = export_revision(args.before)
        # The population is migrated by this code; the earlier code must know no migration this
        # code lacks (and this code's own must only add what the earlier code can ignore).
        if not migrations(before_tree) <= migrations(ROOT):
            print(f"{args.before} has migrations this code lacks: not one database", file=sys.stderr)
            return 2
    env = bench_env(args)
    print(f"==> population: {args.cases} cases on {env['BENCH_DB']}")
    size = population(env, args.cases)
    manage(env, "collectstatic", "--noinput", "-v0")
    if before_tree is not None:
        subprocess.run(
            [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=before_tree, env=env, check=True
        )
    numbers = sample_numbers(env, 500 if args.quick else 2000)
    tmp = Path(tempfile.mkdtemp(prefix="minsheng-bench-"))
    nums = str(tmp / "numbers.txt")
    (tmp / "numbers.txt").write_text("\n".join(numbers))
    hot = numbers[: args.hot]
    (tmp / "hot.txt").write_text("\n".join(hot))

    servers = {"": Server("platform", "minsheng.wsgi:application", env, args.workers)}
    if before_tree is not None:
        servers["@before"] = Server("before", "minsheng.wsgi:application", env, args.workers, before_tree)
    app = servers[""]
    ceiling_env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    ceiling = Server("ceiling", "bench.ceiling:application", ceiling_env, args.workers)
    front = None
    try:
        for server in servers.values():
            server.wait("/api/v1/categories")
        ceiling.wait("/ceiling")
        spot_check(app, numbers)
        cookie = staff_cookie(app.url, "intake", https=True)
        supervisor = staff_cookie(app.url, "supervisor", https=True)
        scenarios = {
            "lookup_api": (write_script(tmp, "a", LUA_LOOKUP, "/api/v1/cases/{n}"), [nums], []),
            "lookup_open311": (
                write_script(tmp, "b", LUA_LOOKUP, "/open311/v2/requests/{n}.json"),
                [nums],
                [],
            ),
            "lookup_page": (write_script(tmp, "c", LUA_LOOKUP, "/cases/{n}"), [nums], []),
            "list_open311": (
                write_script(tmp, "d", LUA_LOOKUP, "/open311/v2/requests.json?page_size=100"),
                [nums],
                [],
            ),
            "submit_api": (write_script(tmp, "e", LUA_SUBMIT_JSON), [], []),
            "submit_open311": (write_script(tmp, "f", LUA_SUBMIT_FORM), [], []),
            "queue_page": (
                write_script(tmp, "g", LUA_LOOKUP, "/staff/"),
                [nums],
                [f"Cookie: {cookie}", "X-Forwarded-Proto: https"],
            ),
            "dashboard": (
                write_script(tmp, "h", LUA_LOOKUP, dashboard_year_path()),
                [nums],
                [f"Cookie: {supervisor}", "X-Forwarded-Proto: https"],
            ),
        }
        # Only this code answers conditional GETs, and it alone is put behind nginx as deployed.
        tags = tmp / "tags.txt"
        own = {
            "conditional_api": (
                write_script(tmp, "i", LUA_CONDITIONAL, "/api/v1/cases/{n}"),
                [str(tags)],
                [],
            ),
        }
        storm_wanted = nginx.available()
        if args.only:
            keep = set(args.only.split(","))
            scenarios = {k: v for k, v in scenarios.items() if k in keep}
            own = {k: v for k, v in own.items() if k in keep}
            storm_wanted = storm_wanted and "nginx" in keep
        levels = [int(c) for c in args.concurrency.split(",")]
        if any(name.startswith("lookup_") for name in scenarios) or own or storm_wanted:
            for server in servers.values():
                warm(server, numbers)
            if env["BENCH_DB"] == "postgresql":
                # The warm-up has just stored thousands of renderings: give the planner their
                # statistics, as autovacuum would within a minute on a real server.
                subprocess.run(["psql", env["DATABASE_URL"], "-qc", "ANALYZE"], check=True)
        tags.write_text("\n".join(hot_tags(app, hot, "/api/v1/cases/{n}")))
        storm = {}
        if storm_wanted:
            with urllib.request.urlopen(f"{app.url}/api/v1/cases/{hot[0]}") as r:
                size_of_answer = len(r.read())
            front = nginx.Nginx(tmp, free_port(), app.port, b"x" * size_of_answer)
            hot_file = [str(tmp / "hot.txt")]
            storm = {
                "nginx_static": (write_script(tmp, "s", LUA_LOOKUP, nginx.STATIC_PATH), [nums], []),
                "nginx_hot_api": (write_script(tmp, "t", LUA_LOOKUP, "/api/v1/cases/{n}"), hot_file, []),
                "nginx_hot_page": (write_script(tmp, "u", LUA_LOOKUP, "/cases/{n}"), hot_file, []),
            }
        raw: dict[tuple[str, int], list[dict]] = {}
        ceiling_script = write_script(tmp, "z", LUA_LOOKUP, "/ceiling")

        def measure(key: str, c: int, url: str, script: str, sargs, headers) -> None:
            raw.setdefault((key, c), []).append(wrk(url, script, c, args.duration, sargs, headers))
            print(f"    {key:24} c={c}: {raw[(key, c)][-1]['rps']:8.1f} req/s")

        for round_no in range(args.rounds):
            print(f"==> round {round_no + 1}/{args.rounds}")
            for c in levels:
                for name, (script, sargs, headers) in {**scenarios, **own}.items():
                    # Alternated: the ceiling right before each scenario, then each version of the
                    # code in turn (the order flips every round), under the same conditions.
                    measure("ceiling", c, ceiling.url, ceiling_script, [nums], [])
                    versions = list(servers.items()) if name in scenarios else [("", app)]
                    if round_no % 2:
                        versions.reverse()
                    for suffix, server in versions:
                        measure(name + suffix, c, server.url, script, sargs, headers)
                for name, (script, sargs, headers) in storm.items():
                    measure(name, c, front.url, script, sargs, headers)
        rss = {name: server.rss_mb() for name, server in servers.items()}
        rss["ceiling"] = ceiling.rss_mb()
    finally:
        if front is not None:
            front.stop()
        for server in servers.values():
            server.stop()
        ceiling.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return report(raw, rss, env, size, args)


def _server_of(scenario: str) -> str:
    if scenario == "ceiling":
        return "ceiling"
    return "@before" if scenario.endswith("@before") else ""


def report(raw: dict, rss: dict, env: dict, size: int, args) -> int:
    """Medians and ratios (to the ceiling; through nginx, to nginx's static file of the same size;
    this code to the --before revision), a Markdown table, and the JSON under bench/results/."""
    median = {key: statistics.median(r["rps"] for r in runs) for key, runs in raw.items()}
    results = []
    for (name, c), runs in raw.items():
        rps = median[(name, c)]
        base = "nginx_static" if name.startswith("nginx_") else "ceiling"
        versus = median.get((base, c)) if name != base else None
        row = {
            "name": name,
            "db": env["BENCH_DB"],
            "cases": size,
            "concurrency": c,
            "rps": round(rps, 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
            "errors": sum(r["errors"] for r in runs),
            "ratio": round(rps / versus, 3) if versus else None,
            "ratio_to": base if versus else "",
            "peak_rss_mb": rss.get(
                "@before" if name.endswith("@before") else "ceiling" if name == "ceiling" else ""
            ),
        }
        before = median.get((f"{name}@before", c))
        if before:
            row["this_over_before"] = round(rps / before, 3)
        results.append(row)
    results.sort(key=lambda r: (r["concurrency"], r["name"] != "ceiling", r["name"]))
    machine = (
        f"{platform.node()} · {os.cpu_count()} cores · {platform.python_implementation()} "
        f"{platform.python_version()} · gunicorn {args.workers} sync workers"
    )
    print(
        f"\n{machine}; {size} cases on {env['BENCH_DB']}; medians of {args.rounds} round(s) "
        f"of {args.duration} s" + (f"; @before = {args.before}" if args.before else "") + "\n"
    )
    print("| scenario | c | ratio | to | req/s | p50 ms | p99 ms | errors | this / before |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        versus = f"{r['this_over_before']:.2f}" if "this_over_before" in r else ""
        print(
            f"| {r['name']} | {r['concurrency']} | {ratio} | {r['ratio_to']} | {r['rps']:.0f} | "
            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {versus} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{env['BENCH_DB']}-{size}.json"
    payload = {"machine": machine, "before": args.before, "results": results}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0 if all(r["errors"] == 0 for r in results) else 1


def warm(server: Server, numbers: list[str]) -> None:
    """Ask for each sampled case once in each public rendering, as its residents would have already.

    The lookups are then measured on a warm store of public renderings (cases.renderings), which is
    what a storm of residents re-checking their cases meets; the first, cold lookup of a case costs
    about ten queries. Its time is measured one request at a time on the first cases and printed; the
    rest are warmed four at a time, which keeps both workers busy.
    """
    paths = ("/api/v1/cases/{n}", "/open311/v2/requests/{n}.json", "/cases/{n}")
    urls = [server.url + path.format(n=number) for number in numbers for path in paths]

    def fetch(url):
        with urllib.request.urlopen(url, timeout=30) as r:
            r.read()

    timed = urls[:COLD_TIMED]
    started = time.monotonic()
    for url in timed:
        fetch(url)
    each = (time.monotonic() - started) / max(1, len(timed)) * 1000
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fetch, urls[COLD_TIMED:]))
    print(
        f"==> warmed {len(numbers)} cases × {len(paths)} renderings in {time.monotonic() - started:.0f} s: "
        f"{each:.1f} ms per cold lookup (c=1)"
    )


if __name__ == "__main__":
    sys.exit(main())
