# Cloud Pediatrics: the habits, one command each.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint format migrations-check messages worker beat bench seed-scale clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate the Chinese catalogue after adding strings; commit both .po and .mo.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "build/*"
	$(PY) manage.py compilemessages --locale zh_Hans --ignore ".venv/*"

worker: install
	$(VENV)/bin/celery -A cloudpeds worker --loglevel INFO

beat: install
	$(VENV)/bin/celery -A cloudpeds beat --loglevel INFO --schedule var/celerybeat-schedule

seed-scale: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_scale

bench: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
