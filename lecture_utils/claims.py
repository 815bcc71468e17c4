"""The lecture's claims about its results, checked in plain sight on whatever data runs.

A notebook states each claim as a sentence with the numbers it rests on, and `check_claim`
prints a verdict a student can read. Only the test run (`make test` sets
`LECTURE_CHECK_CLAIMS=1`) turns a claim that fails into an error that names it. In a notebook
the cell still runs to its end, printing every verdict, and then fails once, naming all of its
claims that failed; elsewhere (a script, a test) the first failed claim raises at once.
"""

from __future__ import annotations

import ast
import os
import sys

ENV_VAR = "LECTURE_CHECK_CLAIMS"


class ClaimFailed(AssertionError):
    """A claim the lecture makes does not hold on the data that ran."""


def checking_claims() -> bool:
    """True in the test run, where a failed claim must stop the notebook."""
    value = os.environ.get(ENV_VAR, "")
    if value not in ("", "0", "1"):
        raise ValueError(
            f"{ENV_VAR} is {value!r}: set it to 1 to check the lecture's claims, "
            "or to 0 (or leave it unset) not to"
        )
    return value == "1"


# The failed claims of the notebook cell that is running, in the test run; None outside a cell.
_failed_in_cell: list[str] | None = None


def check_claim(claim: str, holds: bool, evidence: str) -> None:
    """Print whether `claim` holds, with its `evidence`; in the test run, fail if it does not."""
    checking = checking_claims()
    if holds:
        print(f"✓ {claim} ({evidence})")
        return
    message = f"✗ Not so on this data: {claim} ({evidence})"
    if checking and _failed_in_cell is None:
        _watch_cells()  # from the next cell on, report all of a cell's failed claims
        raise ClaimFailed(message)
    print(message)
    if checking:
        _failed_in_cell.append(message)


def _begin_cell() -> None:
    global _failed_in_cell
    _failed_in_cell = []


def _finish_cell(value: object) -> object:
    """Raise the cell's failed claims, if any; else return the value the cell shows."""
    global _failed_in_cell
    failed, _failed_in_cell = _failed_in_cell or [], None
    if len(failed) == 1:
        raise ClaimFailed(failed[0])
    if failed:
        raise ClaimFailed(f"{len(failed)} claims of this cell do not hold:\n" + "\n".join(failed))
    return value


class _ClaimsPerCell(ast.NodeTransformer):
    """Rewrite each IPython cell as `_begin_cell()`, the cell, `_finish_cell(<last expression>)`.

    The last expression stays the cell's value, so what the cell displays is unchanged.
    """

    def visit_Module(self, module: ast.Module) -> ast.Module:
        if not module.body:
            return module
        body, last = module.body, module.body[-1]
        begin = _statement("__import__('lecture_utils.claims').claims._begin_cell()", body[0])
        finish = _statement("__import__('lecture_utils.claims').claims._finish_cell(None)", last)
        if isinstance(last, ast.Expr):
            finish.value.args = [last.value]
            body = body[:-1]
        module.body = [begin, *body, finish]
        return module


def _statement(source: str, at: ast.stmt) -> ast.stmt:
    """The statement in `source`, placed (for tracebacks) at statement `at` of the cell."""
    statement = ast.parse(source).body[0]
    for node in ast.walk(statement):
        ast.copy_location(node, at)
    return statement


def _watch_cells() -> None:
    """Under IPython, register the cell rewriting once (it only acts while claims are checked)."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    if shell is not None and not any(isinstance(t, _ClaimsPerCell) for t in shell.ast_transformers):
        shell.ast_transformers.append(_ClaimsPerCell())


if checking_claims():
    _watch_cells()
