"""Read the billing catalogue (TOML, see assets/billing.toml) into Offers, refusing anything inconsistent."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.domain.billing import Offer, OfferKind
from core.errors import ConfigurationError


class _Offer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    kind: Literal["pack", "plan"]
    name: str = Field(min_length=1, max_length=100)
    credits: int = Field(gt=0)
    amount: int = Field(gt=0)  # minor units
    currency: str = Field(pattern=r"^[a-zA-Z]{3}$")
    description: str = ""
    stripe_price: str = Field("", pattern=r"^(price_[A-Za-z0-9_]+)?$")
    creem_product: str = Field("", pattern=r"^(prod_[A-Za-z0-9_]+)?$")

    @field_validator("currency")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class _Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offers: list[_Offer] = Field(min_length=1)


def load_offers(path: Path) -> list[Offer]:
    """The offers of a catalogue file; ConfigurationError naming the entry and field when it is wrong."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"Billing catalogue {path}: {exc}") from None
    try:
        catalogue = _Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = list(error["loc"])
            if len(loc) >= 2 and loc[0] == "offers" and isinstance(loc[1], int):
                entry = (raw.get("offers") or [{}])[loc[1]]
                name = entry.get("id", "?") if isinstance(entry, dict) else "?"
                loc = [f"offers[{loc[1]}] ({name})", *loc[2:]]
            problems.append(f"{'.'.join(map(str, loc))}: {error['msg']}")
        raise ConfigurationError(f"Billing catalogue {path}: " + "; ".join(problems)) from None
    ids = [o.id for o in catalogue.offers]
    if len(set(ids)) != len(ids):
        raise ConfigurationError(f"Billing catalogue {path}: offer ids must be unique")
    return [Offer(**{**o.model_dump(), "kind": OfferKind(o.kind)}) for o in catalogue.offers]
