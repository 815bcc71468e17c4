# Thin wrappers over the plain commands listed in README.md (use those where `make` is missing).
# Every target creates .venv and installs what it needs when that is missing or stale.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
TEST_STAMP := $(VENV)/.installed-test
DEV_STAMP := $(VENV)/.installed-dev
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: help lecture sync live colab site browser test lint unit pairing notebooks-test lab data bench lock clean

help:
	@echo "make lecture   run all six notebooks in place and print a summary table"
	@echo "make test      lint, unit tests, pairing checks and nbval over every notebook"
	@echo "make sync      update every notebooks/*.ipynb from its edited notebooks/src/*.py"
	@echo "make live      regenerate the live-coding notebooks in notebooks/live"
	@echo "make colab     regenerate Colab badges and install cells from _quarto.yml"
	@echo "make site      render the course site with Quarto (where installed)"
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

# The live-coding copies are regenerated first: they derive from the same .py sources.
lecture: $(TEST_STAMP)
	$(PY) tools/make_live.py
	$(PY) tools/lecture.py run

sync: $(TEST_STAMP)
	$(PY) tools/lecture.py sync
	$(PY) tools/make_live.py

# Live-coding versions (code between "# ---" lines blanked): generated, committed, never hand-edited.
live: $(TEST_STAMP)
	$(PY) tools/make_live.py

colab: $(TEST_STAMP)
	$(PY) tools/colab.py

site:
	@command -v quarto >/dev/null 2>&1 || { echo "make site needs Quarto, which is not installed: see https://quarto.org/docs/get-started/ (CI uses quarto-dev/quarto-actions/setup)"; exit 1; }
	quarto render

# The browser check alone (make test runs it too, as part of the unit tests).
browser: $(TEST_STAMP)
	tools/install_browser.sh
	$(BIN)/pytest -p no:cacheprovider -rs tests/test_browser.py

test: lint unit pairing notebooks-test

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(TEST_STAMP)
	$(BIN)/pytest -p no:cacheprovider

pairing: $(TEST_STAMP)
	$(PY) tools/lecture.py check

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
	$(PY) bench/bench_lecture.py

lock: $(TEST_STAMP)
	$(PY) tools/update_locks.py

clean:
	rm -rf $(VENV) _site .pytest_cache
