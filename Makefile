# Every target installs what it needs first (`install` is idempotent: it only reruns when
# pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint regenerate check-generated demo bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=lenient -e '.[dev,aws]'
	touch $(STAMP)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .

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
