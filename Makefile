# Thin wrappers over the plain commands listed in README.md (use those where `make` is missing).
# Every target creates .venv and installs what it needs when that is missing or stale.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
TEST_STAMP := $(VENV)/.installed-test
DEV_STAMP := $(VENV)/.installed-dev
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: help lecture test lint unit notebooks-test lab data bench lock clean

help:
	@echo "make lecture   run all six notebooks in place and print a summary table"
	@echo "make test      lint, unit tests, pairing checks and nbval over every notebook"
	@echo "make lab       open JupyterLab for teaching"
	@echo "make data      fill the data cache before class (real data where reachable)"
	@echo "make bench     print the performance ratios (takes a few minutes)"
	@echo "make lock      re-resolve requirements/*.txt and environment.yml (needs PyPI)"

$(TEST_STAMP): requirements/test.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/test.txt -e .
	touch $@

$(DEV_STAMP): requirements/dev.txt $(TEST_STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

lecture: $(TEST_STAMP)
	$(PY) tools/run_lecture.py

test: lint unit notebooks-test

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(TEST_STAMP)
	$(BIN)/pytest -p no:cacheprovider

# Notebooks run on the synthetic stand-in unless the caller sets LECTURE_DATA.
notebooks-test: $(TEST_STAMP)
	LECTURE_DATA="$${LECTURE_DATA:-synthetic}" $(BIN)/pytest $(NBVAL) notebooks/*.ipynb

lab: $(DEV_STAMP)
	$(BIN)/jupyter lab notebooks

data: $(TEST_STAMP)
	$(PY) -m lecture_utils.data

bench: $(TEST_STAMP)
	$(PY) bench/bench_training.py
	$(PY) bench/bench_data.py

lock: $(TEST_STAMP)
	$(PY) tools/update_locks.py

clean:
	rm -rf $(VENV) _site .pytest_cache
