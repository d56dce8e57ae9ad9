# Cloud Pediatrics: the habits, one command each.
# bash for lock-check's process substitution.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
# Every dependency, pinned with its hashes; compiled from pyproject.toml by `make lock`.
LOCK := requirements.lock
# The image's lock: the same pins without the dev extra (tests, linters, the browser driver).
PROD_LOCK := requirements-prod.lock
# uv, the installer, pinned with its hashes too (pip brings it into the virtualenv).
UV_VERSION := 0.13.10
UV_LOCK := requirements-uv.lock
PORT ?= 8000
# With no DATABASE_URL, run the command against the embedded development PostgreSQL under
# var/pgdata (cloudpeds/devdb.py); manage.py does the same by itself.
WITH_DB := $(PY) -m cloudpeds.devdb exec

.PHONY: install lock lock-check run test smoke lint format migrations-check messages worker beat bench seed-scale db-stop clean

# uv installs the lock, checking every hash, several times faster than pip and from its own
# cache. It adds what is missing and never removes anything from an existing virtualenv.
# Byte-compiled at install: otherwise, where PYTHONDONTWRITEBYTECODE is set (CI), every
# process compiles Django and the rest again, seconds each.
$(STAMP): $(LOCK) $(UV_LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(UV_LOCK)
	$(UV) pip install --quiet --compile-bytecode --python $(PY) --require-hashes -r $(LOCK)
	touch $(STAMP)

install: $(STAMP)

# Re-resolve after changing the dependencies in pyproject.toml, and commit both files.
# Versions already in the lock are kept where they still fit; upgrade one with
# `make lock LOCK_ARGS="--upgrade-package NAME"`. Universal: one lock for Linux, macOS and
# every Python the project supports, with the hashes of every file of each version.
LOCK_COMPILE := pyproject.toml --extra dev --universal --generate-hashes --custom-compile-command "make lock" --quiet
PROD_COMPILE := pyproject.toml --universal --generate-hashes --custom-compile-command "make lock" --quiet
lock: install
	$(UV) pip compile $(LOCK_COMPILE) -o $(LOCK) $(LOCK_ARGS)
	$(UV) pip compile $(PROD_COMPILE) --constraint $(LOCK) -o $(PROD_LOCK)
	echo "uv==$(UV_VERSION)" | $(UV) pip compile - --universal --generate-hashes --custom-compile-command "make lock" --quiet -o $(UV_LOCK)

# The lock still pins what pyproject.toml resolves to (CI runs this). Pins are compared, not
# hashes: a release may gain a wheel for a new platform after it was locked.
pins = grep -E '^[A-Za-z0-9]' $(1) | sed -e 's/ *\\$$//'
lock-check: install
	@scratch="$$(mktemp)"; cp $(LOCK) "$$scratch"; \
	$(UV) pip compile $(LOCK_COMPILE) -o "$$scratch" && diff -u <($(call pins,$(LOCK))) <($(call pins,"$$scratch")); \
	status=$$?; \
	cp $(PROD_LOCK) "$$scratch" && $(UV) pip compile $(PROD_COMPILE) --constraint $(LOCK) -o "$$scratch" \
	  && diff -u <($(call pins,$(PROD_LOCK))) <($(call pins,"$$scratch")) || status=1; \
	rm -f "$$scratch"; \
	if [ $$status -ne 0 ]; then echo "$(LOCK) or $(PROD_LOCK) does not match pyproject.toml: run 'make lock' and commit them" >&2; fi; \
	exit $$status

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

# The newcomer's path, as CI runs it: a fresh clone of this commit, no DATABASE_URL, no
# REDIS_URL, no var/; `make run`, sign in, stop, again, then `make test` there (.ci/smoke.py).
smoke:
	$(PYTHON) .ci/smoke.py $(SMOKE_ARGS)

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
	$(WITH_DB) $(VENV)/bin/celery -A cloudpeds worker --loglevel INFO

beat: install
	mkdir -p var
	$(WITH_DB) $(VENV)/bin/celery -A cloudpeds beat --loglevel INFO --schedule var/celerybeat-schedule

seed-scale: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_scale

# The pages through gunicorn and wrk (bench/run.py), then handbook search in-process
# (bench/search.py, a few seconds); exits with the worse of their two statuses.
bench: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(WITH_DB) $(PY) bench/run.py $(BENCH_ARGS); pages=$$?; \
	$(WITH_DB) $(PY) bench/search.py $(SEARCH_BENCH_ARGS); search=$$?; \
	exit $$(( pages > search ? pages : search ))

# The embedded PostgreSQL keeps running between commands (the next one reuses it); this stops it.
db-stop: install
	$(PY) -m cloudpeds.devdb stop

clean:
	rm -rf $(VENV) var/static .pytest_cache .ruff_cache
