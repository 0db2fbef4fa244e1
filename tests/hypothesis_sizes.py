"""How many examples the slow properties draw: one place, sized for `make test` on a 2-core box.

Each slow property (a stateful machine over a real database, a few hundred milliseconds an example) states two
sizes: the one `make test` draws, and the thorough one, drawn when HYPOTHESIS_PROFILE=thorough (a nightly run or
a developer digging into a failure): `HYPOTHESIS_PROFILE=thorough make test`. The rules, strategies and invariants
are the same in both; only the number of drawn examples differs.
"""

from __future__ import annotations

import os

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "").strip().lower() == "thorough"


def examples(quick: int, thorough: int) -> int:
    """`quick` in a normal run, `thorough` under HYPOTHESIS_PROFILE=thorough."""
    assert 0 < quick <= thorough
    return thorough if THOROUGH else quick
