# `make run` and `make test` work from a clean clone: they create .venv and install the lock.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed

.PHONY: install run test lint system bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	# compiled once here: every process the tests start then skips compiling its imports
	$(UV) pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	-$(BIN)/waymark ingest knowledge
	$(BIN)/waymark serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

system:
	bash scripts/install_system.sh

# Bytecode is written even where the environment turns it off (PYTHONDONTWRITEBYTECODE): the
# suite starts many Waymark processes, and each would compile the same modules again.
test: lint system
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n 2

bench: install
	$(BIN)/python benchmarks/ingest.py --out benchmarks/results/ingest.json
	$(BIN)/python benchmarks/ask.py --chunks 1000
	$(BIN)/python benchmarks/ask.py --chunks 10000
	$(BIN)/python benchmarks/ask.py --chunks 100000
	$(BIN)/python benchmarks/load.py

# Re-pin every dependency after editing pyproject.toml.
lock: install
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes --quiet -o requirements.lock

clean:
	rm -rf $(VENV) .waymark .mypy_cache .ruff_cache .pytest_cache
