"""What a pack's credits make, in the words of the engine in use: its default model's own price, never fixed text."""

from __future__ import annotations

from pathlib import Path

from core.adapters.offline import OfflineImageEngine
from core.catalogue import load_catalogue
from core.domain import GenerationKind
from core.pricing import credits_reach, default_model
from core.settings import PROJECT_ROOT

FAL_MODELS = load_catalogue(PROJECT_ROOT / "assets" / "fal_models.toml")


def offline_models(tmp_path: Path, credits_per_image: int) -> list:  # type: ignore[type-arg]
    return OfflineImageEngine(tmp_path, credits_per_image=credits_per_image).models()


def test_on_fal_a_pack_counts_images_of_the_catalogues_default_model() -> None:
    default = default_model(FAL_MODELS)
    assert default is not None and (default.label, default.price.per_image) == ("FLUX.1 Kontext [pro]", 40)
    assert credits_reach(1_000, FAL_MODELS) == "About 25 images with FLUX.1 Kontext [pro]"
    assert credits_reach(7_500, FAL_MODELS) == "About 187 images with FLUX.1 Kontext [pro]"  # whole images only
    assert credits_reach(3_000, FAL_MODELS, per=" a month") == "About 75 images a month with FLUX.1 Kontext [pro]"


def test_the_count_follows_the_default_models_price_whatever_it_is() -> None:
    # A catalogue whose first text-to-image model is FLUX.2 [dev] Turbo: priced by the megapixel (8 credits for
    # the first), at its default size of 1 MP.
    turbo_first = sorted(FAL_MODELS, key=lambda m: m.id != "flux2-turbo")
    assert credits_reach(1_000, turbo_first) == "About 125 images with FLUX.2 [dev] Turbo"


def test_on_the_offline_engine_a_pack_counts_its_own_images_at_its_own_price(tmp_path: Path) -> None:
    assert (
        credits_reach(1_000, offline_models(tmp_path, 1)) == "About 1,000 images with Offline pattern engine (not AI)"
    )
    assert credits_reach(1_000, offline_models(tmp_path, 3)) == "About 333 images with Offline pattern engine (not AI)"
    assert credits_reach(2, offline_models(tmp_path, 3)) == "Less than one image with Offline pattern engine (not AI)"


def test_an_engine_with_no_text_to_image_model_says_nothing(tmp_path: Path) -> None:
    edits_only = [m for m in offline_models(tmp_path, 1) if m.kind != GenerationKind.TEXT_TO_IMAGE]
    assert credits_reach(1_000, edits_only) == ""
