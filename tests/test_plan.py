"""The 75-minute plan in index.qmd (tools/plan.py) fits; its typed lines are the live copies'."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jupytext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_live  # noqa: E402
import plan  # noqa: E402

SOURCE = """# %% [markdown]
# # 01. Demo
#
# ---

# %%
# --- setup ---
import torch

# ---
# a comment is not typed

x = torch.zeros(3)  # a line with a comment is
y = x + 1
z = y * 2
# ---
print(z)
"""


def test_typed_lines_are_the_code_lines_between_markers():
    assert make_live.typed_lines(jupytext.reads(SOURCE, fmt="py:percent")) == 3


def test_the_plan_fits_the_lecture_and_every_slot_its_typing_budget():
    assert plan.problems(plan.typed()) == []


def test_the_plan_in_index_qmd_follows_the_sources():
    assert plan.update(ROOT, check=True) == [], "run `make sync`"


def test_a_typed_line_more_in_a_source_makes_the_plan_stale(tmp_path):
    shutil.copy(ROOT / "index.qmd", tmp_path / "index.qmd")
    src = tmp_path / "notebooks" / "src"
    src.mkdir(parents=True)
    (src / "01-data.py").write_text(SOURCE, encoding="utf-8")
    plan.update(tmp_path)
    assert plan.update(tmp_path, check=True) == []
    assert "| 3 (10) |" in (tmp_path / "index.qmd").read_text(encoding="utf-8")
    (src / "01-data.py").write_text(SOURCE.replace("z = y * 2", "z = y * 2\nz += 1"), "utf-8")
    assert plan.update(tmp_path, check=True) == ["index.qmd"]
    plan.update(tmp_path)
    assert "| 4 (10) |" in (tmp_path / "index.qmd").read_text(encoding="utf-8")


def test_problems_name_a_slot_over_budget_too_little_slack_and_a_missing_source():
    slot = plan.Slot(35, 1, 60, "", "", "")
    tight = {
        "01-a": slot,
        "02-b": plan.Slot(40, 1, 30, "", "", ""),
        "03-gone": plan.Slot(0, 0, 0, "", "", ""),
    }
    found = plan.problems({"01-a": 52, "02-b": 60}, tight)
    assert found == [
        "03-gone: no notebooks/src/03-gone.py",
        "less than 5 minutes of slack in all",
        "03-gone: slack and run time fill the whole slot",
    ]
    found = plan.problems({"01-a": 52, "02-b": 61}, tight)
    assert "02-b: 61 typed lines, over the budget of 60 for 40 minutes" in found[-2]


def test_the_table_runs_from_minute_0_to_75_and_lists_unplanned_notebooks_after_class():
    lines = {stem: 1 for stem in plan.PLAN} | {"07-extra": 4}
    rows = [row for row in plan.table(lines) if row.startswith("| ")][1:]
    minutes = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert minutes[0].startswith("0–") and minutes[-2].endswith(f"–{plan.LECTURE_MINUTES}")
    assert minutes[-1] == "after class" and "07 extra" in rows[-1]
