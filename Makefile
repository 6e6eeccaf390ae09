# Two commands do all the set-up: `make run` starts the service, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: run test install install-dev clean openapi precision-table bench bench-plots fuzz load reliability lock stack

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: $(VENV)/.runtime
	$(BIN)/python -m app.serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# glibc's allocator: two arenas, so the threadpool's threads do not each grow an arena of their own
# (without it a worker's memory keeps growing under load, make load); blocks under 32 MiB reused
# from the heap rather than mapped fresh each time, because faulting in new pages made a 100,000-point
# answer three times slower (bench/RESULTS.md); free memory above 64 MiB at the heap's top returned.
run stack: export MALLOC_ARENA_MAX = 2
run stack: export MALLOC_MMAP_THRESHOLD_ = 33554432
run stack: export MALLOC_TRIM_THRESHOLD_ = 67108864

# Two instances (one worker each) on free ports behind Debian's nginx (deploy/nginx/) on HOST:PORT; Ctrl-C stops all three.
stack: $(VENV)/.runtime
	$(BIN)/python scripts/stack.py --host $(HOST) --port $(PORT)

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# openapi.md is generated from the app's OpenAPI document; a test fails when it is out of date.
openapi: $(VENV)/.dev
	$(BIN)/python scripts/openapi_md.py

# The README's table of where gradients become exactly zero, from the service's /precision answers.
precision-table: $(VENV)/.dev
	$(BIN)/python scripts/precision_table.py

# The service against a no-op floor and the straightforward version, under wrk; writes bench/RESULTS.md.
bench: $(VENV)/.dev
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) \
		|| echo "wrk could not be installed: a Python client drives the load instead"
	$(BIN)/python bench/run_bench.py

# Schemathesis with FUZZ_EXAMPLES examples per operation and every phase on every operation.
FUZZ_EXAMPLES ?= 200
fuzz: $(VENV)/.dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/api/test_schemathesis.py

# 64 clients for 30 s against the server as `make run` starts it, then cheap requests beside expensive ones.
load: $(VENV)/.dev
	$(BIN)/python bench/load.py

# make fuzz, the bad-input battery and make load, with their figures written into README.md.
reliability: $(VENV)/.dev
	$(BIN)/python bench/reliability_report.py

# Cold and cached plots against the article's pyplot figure, then memory over 2,000 distinct plots.
bench-plots: $(VENV)/.dev
	$(BIN)/python bench/plot_bench.py
	$(BIN)/python bench/plot_memory.py

# The Docker image's pinned runtime dependencies, with their hashes, from pyproject.toml (not its extras).
lock: $(VENV)/.dev
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
