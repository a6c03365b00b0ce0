"""`make bench-triage`: the cost of triage.matching.likely_duplicates over a large population.

Builds (or reuses) a generated population of --cases cases in bench/var/triage-<N>/ (SQLite; with
DATABASE_URL set, that database is used as it is and must already hold the population), then for
each community times likely_duplicates() for a few descriptions: the first call of a process (its
caches empty) and repeated calls, and prints the query plan of the candidate query. It measures
once without and once with the index the query wants, created here in the bench database only:

    CREATE INDEX ... ON cases_case (community_id, state, submitted_at)

(the cases app's migration for it is the lead's to add: Case.Meta.indexes gains
models.Index(fields=["community", "state", "submitted_at"]), and Case.community then needs no
index of its own, db_index=False, as cases/tests/test_indexes.py asks).

Usage: .venv/bin/python bench/triage_bench.py [--cases 100000] [--calls 20]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDEX = "bench_case_community_state_submitted"
DESCRIPTIONS = ["楼道灯不亮好几天了", "漏到灯坏了", "电梯又坏了 困了人", "垃圾好几天没人收 臭得很", "停水了"]


def setup(cases: int) -> None:
    os.environ.setdefault("DEBUG", "1")
    if not os.environ.get("DATABASE_URL"):
        data = ROOT / "bench" / "var" / f"triage-{cases}"
        data.mkdir(parents=True, exist_ok=True)
        os.environ["DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()


def populate(cases: int) -> None:
    from django.core.management import call_command

    from cases.models import Case

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    call_command("load_lexicon", stdout=open(os.devnull, "w"))
    have = Case.objects.count()
    if have < cases:
        print(f"generating {cases - have} cases (once; kept in bench/var) …", flush=True)
        started = time.monotonic()
        call_command("generate_cases", cases=cases - have, days=365)
        print(f"  {time.monotonic() - started:.0f} s", flush=True)


def plan(community) -> str:
    from django.db import connection
    from django.utils import timezone

    from triage import matching

    query = matching.candidate_query(community, now=timezone.now())
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "; ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n    ".join(row[0] for row in cursor.fetchall())


def measure(calls: int) -> None:
    from django.utils import timezone

    from cases.models import Community
    from triage import matching, text

    now = timezone.now()
    for community in Community.objects.filter(is_active=True):
        candidates = len(matching.candidates(community, now=now))
        text.signature.cache_clear()
        started = time.perf_counter()
        matching.likely_duplicates(
            description=DESCRIPTIONS[0], community=community, address="3栋2单元", now=now
        )
        cold = (time.perf_counter() - started) * 1000
        times = []
        for i in range(calls):
            started = time.perf_counter()
            matching.likely_duplicates(
                description=DESCRIPTIONS[i % len(DESCRIPTIONS)], community=community, address="3栋", now=now
            )
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(
            f"  {community.code:10} candidates {candidates:5}: first call {cold:7.1f} ms, "
            f"then median {statistics.median(times):6.1f} ms, p90 {p90:6.1f} ms"
        )
    print(f"  plan: {plan(Community.objects.filter(is_active=True).first())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    setup(args.cases)
    from django.db import connection

    from cases.models import Case

    populate(args.cases)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
    print(f"{Case.objects.count()} cases ({connection.vendor}); likely_duplicates per community:")
    print("without an index on (community_id, state, submitted_at):")
    measure(args.calls)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX {INDEX} ON cases_case (community_id, state, submitted_at)")
        cursor.execute("ANALYZE")
    print("with it:")
    measure(args.calls)


if __name__ == "__main__":
    main()
