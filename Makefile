# Minsheng — the two commands: `make run` (platform with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Development defaults; production sets its own environment (see README).
export DEBUG ?= 1

.PHONY: run test lint check setup messages clean

$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

setup: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: $(BIN)/.installed
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) var
