# One entry point for newcomers and CI. `make run` serves the API on the embedded
# SQLite database with demo data; `make test` runs the whole suite; `make serve` is the
# production server (docs/deploy.md); `make bench` measures the service on PostgreSQL
# (docs/performance.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run serve test install install-dev migrate demo lint clean bench bench-import bench-promotion

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What the service needs to run (requirements.txt), and on top of it what tests and lint need
# (requirements-dev.txt); each with a stamp of its own, so that either may come first.
$(BIN)/.installed: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(BIN)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

install-dev: $(BIN)/.dev-installed

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: gunicorn with the repository's config, DEBUG off, every setting from the
# environment (docs/deploy.md). Run `manage.py migrate` once per release before it. Not
# echoed: stdout carries only the service's JSON log lines.
serve: install
	@$(BIN)/gunicorn -c railway/gunicorn.conf.py

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* test_db.sqlite3* .pytest_cache .hypothesis

$(BIN)/.bench-installed: $(BIN)/.installed bench/requirements.txt
	$(PIP) -r bench/requirements.txt
	touch $@

# Seeds DATABASE_URL (default postgres://postgres@127.0.0.1:5432/railway_bench), serves it under
# gunicorn and loads it with wrk. Quick run: make bench BENCH_ARGS="--small".
bench: $(BIN)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Times import_gtfs on a generated national-size feed (1,000,000 stop times) against DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/railway_bench_import, emptied first).
bench-import: $(BIN)/.bench-installed
	$(BIN)/python -m bench.feed_import $(BENCH_ARGS)

# Times a cancellation that serves ten waiting bookings, through the test client, against DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/railway_bench; only its own train is written, then deleted).
bench-promotion: $(BIN)/.bench-installed
	$(BIN)/python -m bench.promotion_time $(BENCH_ARGS)
