# The two commands of the README: `make demo` and `make test`. Each makes its own virtual
# environment (.venv) with what it needs; nothing is installed by hand.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# both cores (or however many there are); pass PYTEST_ARGS="-n0 tests/web" to run a part serially
PYTEST_ARGS ?= -n auto --dist loadgroup

.PHONY: demo test lint bench catalog frontend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-deps

demo: $(VENV)/.run-deps
	$(BIN)/distillr demo

test: $(VENV)/.test-deps lint
	$(BIN)/python scripts/test_setup.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.test-deps
	$(BIN)/python bench/run_all.py

catalog: $(VENV)/.run-deps
	$(BIN)/python scripts/generate_twilio_catalog.py $(SPEC_DIR)

# Rebuild the web app's shipped files (src/distillr/server/static) from frontend/ (needs npm).
frontend:
	PYTHON=$(PYTHON) bash scripts/build_frontend.sh

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
