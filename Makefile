# Every target installs what it needs first. `install` reruns only when pyproject.toml or the lock
# changes, and installs exactly the versions of requirements.lock (hash-checked); `make lock`
# refreshes the lock on purpose.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# setuptools builds the editable install (no build isolation, so it comes from the lock too).
BUILD_REQUIREMENTS := setuptools>=69

.PHONY: install lock test lint typecheck regenerate check-generated demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation \
		--config-settings editable_mode=lenient -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Resolves the whole dependency tree again for Python 3.11+ on every platform, with the hashes of
# every published file. Keeps the current pins that pyproject.toml still allows (adding a package
# moves nothing else); `make lock UPGRADE=1` takes the newest versions allowed instead.
lock: install
	echo '$(BUILD_REQUIREMENTS)' | $(BIN)/uv pip compile pyproject.toml - --extra dev --extra aws --extra keyring \
		--universal --python-version 3.11 --generate-hashes $(if $(UPGRADE),--upgrade) --quiet \
		--custom-compile-command 'make lock' -o $(LOCK)

# One pytest-xdist worker per core, plus one: the tests that wait on another process (a child
# `pl-amazon` killed mid-call, Chromium, a Data Factory worker signalled) leave a core idle, and the
# extra worker computes meanwhile (`make test TEST_WORKERS=0` runs in one process). A test file stays
# on one worker (`--dist loadfile`), so its module fixtures (the demo run, rendered modules,
# compiled mappings, the differential payloads) are built once.
TEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print(len(os.sched_getaffinity(0)) + 1 if hasattr(os, 'sched_getaffinity') else (os.cpu_count() or 1) + 1)")

test: install
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

# ruff, then the import rules of docs/architecture.md (pyproject.toml [tool.importlinter]).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

# The generated models and the runtime they import, under mypy --strict (configured in pyproject.toml).
typecheck: install
	$(BIN)/mypy

regenerate: install
	$(BIN)/pl-amazon regenerate

# Fails when generated/ does not match what `make regenerate` writes.
check-generated: regenerate
	git diff --exit-code --stat -- generated/
	@test -z "$$(git status --porcelain -- generated/)" || (git status --porcelain -- generated/; echo "generated/ is stale: run make regenerate and commit" >&2; exit 1)

demo: install
	$(BIN)/pl-amazon demo

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .sandbox out
