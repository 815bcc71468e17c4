# Thin wrappers over the plain commands listed in README.md (use those where `make` is missing).
# Every target creates $(VENV) and installs $(LOCK) into it when that is missing or stale;
# another environment, e.g.: make test VENV=.venv-lowest LOCK=requirements/lowest.txt

PYTHON ?= python3
VENV ?= .venv
LOCK ?= requirements/test.txt
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-$(basename $(notdir $(LOCK)))
DEV_STAMP := $(VENV)/.installed-dev
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: help lecture test sync lab data site bench rerun-check lock

help:
	@echo "make lecture      sync, then run every notebook in place and print a summary table"
	@echo "make test         ruff, zizmor, vulture, unit tests (pairs, Colab, site, live, browser), nbval on every notebook"
	@echo "make sync         regenerate all that derives from notebooks/src/*.py (badges, lists, .ipynb, live)"
	@echo "make lab          open JupyterLab for teaching"
	@echo "make data         fill the data cache before class (real data where reachable)"
	@echo "make site         render the course site with Quarto (where installed)"
	@echo "make bench        print the performance ratios (takes a few minutes)"
	@echo "make rerun-check  run the lecture twice; fail if the second run changed a stored line"
	@echo "make lock         re-resolve requirements/*.txt and environment.yml (needs PyPI)"

$(STAMP): $(LOCK) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r $(LOCK) -e .
	touch $@

$(DEV_STAMP): requirements/dev.txt $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

# One fixed thread count makes reruns repeat bit for bit (convolutions round differently on
# 1 and 2 threads); unset, lecture_utils picks a count from the machine's load.
THREADS := LECTURE_THREADS="$${LECTURE_THREADS:-1}"

lecture: $(STAMP)
	$(THREADS) $(PY) tools/lecture.py run

sync: $(STAMP)
	$(PY) tools/lecture.py sync

# nbval runs the notebooks on the synthetic stand-in unless the caller sets LECTURE_DATA;
# LECTURE_CHECK_CLAIMS=1 makes a claim the prose makes raise when the numbers disagree.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/zizmor --offline --min-severity=medium .github/workflows/
	$(BIN)/vulture
	$(BIN)/pytest -p no:cacheprovider
	$(THREADS) LECTURE_CHECK_CLAIMS=1 LECTURE_DATA="$${LECTURE_DATA:-synthetic}" \
		$(BIN)/pytest -p no:cacheprovider $(NBVAL) notebooks/*.ipynb

lab: $(DEV_STAMP)
	$(BIN)/jupyter lab notebooks

data: $(STAMP)
	$(PY) -m lecture_utils.data

site:
	@command -v quarto >/dev/null 2>&1 || { echo "make site needs Quarto, which is not installed: see https://quarto.org/docs/get-started/ (CI uses quarto-dev/quarto-actions/setup)"; exit 1; }
	quarto render

bench: $(STAMP)
	$(PY) bench/bench_training.py
	$(PY) bench/bench_layers.py
	$(PY) bench/bench_batching.py
	$(PY) bench/bench_data.py
	$(PY) bench/bench_explorers.py
	$(PY) bench/bench_lecture.py

rerun-check: $(STAMP)
	$(THREADS) $(PY) bench/rerun_check.py

lock: $(STAMP)
	$(PY) tools/update_locks.py
