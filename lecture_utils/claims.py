"""The lecture's claims about its results, checked in plain sight on whatever data runs.

A notebook states each claim as a sentence with the numbers it rests on, and `check_claim`
prints a verdict a student can read. Only the test run (`make test` sets
`LECTURE_CHECK_CLAIMS=1`) turns a claim that fails into an error that names it.
"""

from __future__ import annotations

import os

ENV_VAR = "LECTURE_CHECK_CLAIMS"


class ClaimFailed(AssertionError):
    """A claim the lecture makes does not hold on the data that ran."""


def checking_claims() -> bool:
    """True in the test run, where a failed claim must stop the notebook."""
    return os.environ.get(ENV_VAR, "") == "1"


def check_claim(claim: str, holds: bool, evidence: str) -> None:
    """Print whether `claim` holds, with its `evidence`; raise only in the test run."""
    if holds:
        print(f"✓ {claim} ({evidence})")
        return
    message = f"✗ Not so on this data: {claim} ({evidence})"
    if checking_claims():
        raise ClaimFailed(message)
    print(message)
