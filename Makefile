# Minsheng — the two commands: `make run` (platform with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Development defaults; production sets its own environment (see README).
export DEBUG ?= 1

.PHONY: run test lint check setup messages clean bench bench-quick bench-multinode eval-triage bench-triage manual

$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

setup: $(BIN)/.installed

# The worker (notify: outbox, reminders, escalation, auto-close) runs beside the web server and
# prints each SMS here (console backend); it stops when the web server does.
run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_lexicon
	export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/python manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy cases notify

check: $(BIN)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

# The staff manual (docs/manual/*.md and its screenshots) as one A4 PDF, printed by Debian's Chromium.
manual: $(BIN)/.installed
	$(BIN)/python docs/manual/build.py --out var/manual/manual.pdf

clean:
	rm -rf $(VENV) var

# Load test against the bare-Django ceiling (needs wrk: apt-get install wrk). BENCH_ARGS=--cases 1000000
bench: $(BIN)/.installed
	DEBUG=0 $(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: $(BIN)/.installed
	DEBUG=0 $(BIN)/python bench/run.py --quick $(BENCH_ARGS)

# The multi-node topology (PostgreSQL primary + streaming replica, Redis, S3, 2 app servers behind
# nginx, 2 workers; needs root, nginx and PostgreSQL 15 as in .ci/run): the multi-node test, then
# public lookups through nginx to both servers against one server alone.
bench-multinode: $(BIN)/.installed
	$(BIN)/python tests/multinode/run.py --cases 40 --bench 8

# Category suggestion and duplicate matching measured on the hand-written set in triage/eval, on a
# fresh SQLite database (migrate, demo data, lexicon) in a temporary folder; nothing is kept.
eval-triage: $(BIN)/.installed
	@data="$$(mktemp -d)"; trap 'rm -rf "$$data"' EXIT; \
	export DATA_DIR="$$data"; unset DATABASE_URL; \
	$(BIN)/python manage.py migrate --noinput -v0 && \
	$(BIN)/python manage.py load_demo >/dev/null && \
	$(BIN)/python manage.py load_lexicon && \
	$(BIN)/python manage.py eval_triage $(EVAL_ARGS)

# likely_duplicates() timed over a generated population (SQLite unless DATABASE_URL is set), with
# the query plan. BENCH_ARGS=--cases 1000000 (default 100000).
bench-triage: $(BIN)/.installed
	$(BIN)/python bench/triage_bench.py $(BENCH_ARGS)
