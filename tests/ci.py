"""Whether this run is CI, where a missing service or browser is a failure rather than a skip."""

from __future__ import annotations

import os

TRUTHY = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    """Any truthy CI value counts the same (CI=1, CI=true, CI=yes), as in .ci/run."""
    return os.environ.get("CI", "").strip().lower() in TRUTHY
