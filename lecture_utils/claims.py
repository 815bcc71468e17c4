"""The lecture's claims about its results, checked in plain sight on whatever data runs; in the
test run (`LECTURE_CHECK_CLAIMS=1`) a claim that does not hold raises, failing its cell."""

from __future__ import annotations

from .environment import checking_claims


class ClaimFailed(AssertionError):
    """A claim the lecture makes does not hold on the data that ran."""


def check_claim(claim: str, holds: bool, evidence: str) -> None:
    """Print whether `claim` holds, with its `evidence`; in the test run, raise if it does not."""
    checking = checking_claims()  # read first: a nonsense setting is an error either way
    if holds:
        print(f"✓ {claim} ({evidence})")
        return
    message = f"✗ Not so on this data: {claim} ({evidence})"
    if checking:
        raise ClaimFailed(message)
    print(message)
