# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export EXAMFLOW_HOME ?= $(CURDIR)/.examflow

.PHONY: run test lint bench clean chromium

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

run: $(VENV)/.installed
	$(PY) -m deployments.run $(if $(COUNTRY),--country $(COUNTRY))

# `make test` also covers PostgreSQL when it can: with EXAMFLOW_TEST_POSTGRES_URL unset, as root, on a
# machine with PostgreSQL installed, it runs a throwaway server in $(TEST_PG_DATA) for the duration.
TEST_PG_DATA := $(CURDIR)/.examflow/pg
TEST_PG_PORT ?= 55432
# The suite is spread over worker processes, a test module per worker at a time, longest first (see
# tests/conftest.py); most of a flow test's time is spent waiting on Prefect and the stand-ins, so
# more workers than cores pays.
TEST_WORKERS ?= 3

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	@started=; \
	if [ -z "$$EXAMFLOW_TEST_POSTGRES_URL" ] && [ "$$(id -u)" = 0 ] \
	   && ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
	  [ -f "$(TEST_PG_DATA)/postmaster.pid" ] || started=1; \
	  if out=$$(bash scripts/postgres-up "$(TEST_PG_DATA)" $(TEST_PG_PORT)); then \
	    export EXAMFLOW_TEST_POSTGRES_URL="$$(printf '%s\n' "$$out" | tail -n 1)"; \
	  else started=; echo "make test: no throwaway PostgreSQL, its tests will be skipped" >&2; fi; \
	fi; \
	status=0; $(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=10 || status=$$?; \
	if [ -n "$$started" ]; then bash scripts/postgres-down "$(TEST_PG_DATA)" || true; fi; \
	exit $$status

# The UI test's browser: Debian's Chromium at /usr/bin/chromium (without it that test is skipped).
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium is installed"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get install -y chromium; \
	else sudo apt-get install -y chromium; fi

bench: $(VENV)/.installed
	$(PY) -m bench.sync
	$(PY) -m bench.grading
	$(PY) -m bench.transfer
	$(PY) -m bench.overhead
	@if [ -n "$$EXAMFLOW_TEST_POSTGRES_URL" ]; then \
	  $(PY) -m bench.scale --database-url "$$EXAMFLOW_TEST_POSTGRES_URL"; \
	else echo "make bench: bench.scale needs EXAMFLOW_TEST_POSTGRES_URL (a PostgreSQL whose user may create databases)" >&2; fi

clean:
	rm -rf $(VENV) .examflow
