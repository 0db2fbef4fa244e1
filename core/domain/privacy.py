"""Privacy choices: the purposes a user decides on, what each means, and its default (none is on by default)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Purpose(StrEnum):
    TRAINING = "training"  # may my images be used to train models (explicit opt-in)
    ANALYTICS = "analytics"  # first-party analytics of my usage (objection: off)
    PRODUCT_EMAIL = "product_email"  # product news by email (objection: off)
    HUMAN_REVIEW = "human_review"  # opting out of automated decisions: every safety block goes to a person
    RESTRICTION = "restriction"  # processing frozen: the data is kept, nothing is done with it


DEFAULTS: Mapping[Purpose, bool] = {purpose: False for purpose in Purpose}


@dataclass(frozen=True)
class Choices:
    """A user's current choices: the newest record of each purpose, else its default."""

    values: Mapping[Purpose, bool]

    def __getitem__(self, purpose: Purpose) -> bool:
        return self.values.get(purpose, DEFAULTS[purpose])

    @property
    def restricted(self) -> bool:
        return self[Purpose.RESTRICTION]

    def allows(self, purpose: Purpose) -> bool:
        """Whether `purpose` may go on: given, and processing not restricted."""
        return self[purpose] and not self.restricted
