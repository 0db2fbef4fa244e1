"""Vary, Vary subtly, Upscale and Vary region through VariationService, on SQLite and PostgreSQL: on the offline
engine, and on fal through the real fal-client against the local fal server. Each checks what the user sees and
the ledger: the hold is the quote, a failure returns it, and a refusal charges nothing."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import jsonschema
import pytest
from PIL import Image, ImageDraw

from core.adapters.fake_engine import FakeImageEngine
from core.domain import GenerationKind, JobStatus
from core.domain.variations import SUBTLE_VARIATION_PROMPT
from core.errors import ValidationError
from core.services.deletion_runner import DeletionRunner
from core.services.erasure import ErasureService
from core.services.job_masks import mask_key
from core.services.variations import VariationService
from tests.factories import MovableClock, create_form, fetch_media, make_container, refreshed, settle, sign_up
from tests.fal_server import FalServer, Scenario
from tests.fal_support import assert_money_balances, fal_container, fal_form, run_to_end
from tests.integration.test_privacy_export import document, everything

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "fal_schemas"


def _mask(width: int, height: int) -> bytes:
    """The left half painted, as a brush would send it."""
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rectangle((0, 0, width // 2, height), fill=255)
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def _picture(c, user, **form):  # type: ignore[no-untyped-def]
    job = c.generation.submit(user, create_form(**form), c.generation.new_token())
    done = settle(c, user, job.id)
    assert done.status == JobStatus.SUCCEEDED
    return done


def _size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


# -- the offline engine -----------------------------------------------------------------------------------------


def test_vary_makes_new_images_from_the_same_settings_with_a_new_seed(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user, num_images=2, aspect_ratio="16:9", seed=11)
    variations = c.of(VariationService)
    assert variations.offers(user, source.images[0].id).vary.credits == 2
    varied = settle(c, user, variations.vary(user, source.images[0].id, c.generation.new_token()).id)
    assert varied.status == JobStatus.SUCCEEDED and len(varied.images) == 2
    assert (varied.prompt, varied.model, varied.aspect_ratio) == (source.prompt, source.model, "16:9")
    assert varied.seed != 11 and varied.images[0].original_url != source.images[0].original_url
    assert refreshed(c, user).balance == 20 - 2 - 2
    assert_money_balances(c, user)


def test_a_double_click_on_a_variation_makes_one_job_and_one_hold(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    image = _picture(c, user).images[0]
    token = c.generation.new_token()
    first = c.of(VariationService).vary_subtly(user, image.id, token)
    second = c.of(VariationService).vary_subtly(user, image.id, token)
    assert first.id == second.id and first.prompt == SUBTLE_VARIATION_PROMPT and first.kind == GenerationKind.EDIT
    assert refreshed(c, user).balance == 20 - 1 - 1
    assert settle(c, user, first.id).images[0].seed == first.seed  # each seed gives another variation


def test_an_upscale_is_twice_the_size_and_linked_to_its_source(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    offer = c.of(VariationService).offers(user, source.id).upscale
    job = c.of(VariationService).upscale(user, source.id, c.generation.new_token())
    assert job.cost == offer.credits == 1 and job.kind == GenerationKind.UPSCALE
    [big] = settle(c, user, job.id).images
    assert (big.width, big.height) == (2 * source.width, 2 * source.height)
    assert _size(fetch_media(c, big.original_url)) == (2048, 2048)
    detail = c.gallery.detail(user, big.id)
    assert [p.id for p in detail.chain.parents] == [source.id]
    assert [child.id for child in c.gallery.detail(user, source.id).chain.children] == [big.id]
    assert_money_balances(c, user)


def test_an_upscale_over_the_pixel_limit_is_refused_before_any_charge(containers, database_url) -> None:
    c = containers(database_url, max_image_pixels=4_000_000)
    user = sign_up(c)
    source = _picture(c, user).images[0]  # 1024 × 1024: 2048 × 2048 is 4.19 MP
    balance = refreshed(c, user).balance
    offer = c.of(VariationService).offers(user, source.id).upscale
    assert not offer.available and "2,048 × 2,048 pixels, over the limit of 4 megapixels" in offer.refusal
    with pytest.raises(ValidationError, match="over the limit of 4 megapixels"):
        c.of(VariationService).upscale(user, source.id, c.generation.new_token())
    assert refreshed(c, user).balance == balance
    assert len(c.generation.recent(user)) == 1


def test_a_region_fill_keeps_its_mask_as_a_job_input_never_as_a_gallery_image(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    token = c.generation.new_token()
    job = c.of(VariationService).fill(user, source.id, _mask(300, 300), "a golden sun", token)
    assert job.kind == GenerationKind.FILL and job.parent_image_id == source.id
    assert c.blobs.exists(mask_key(user.id, job.id))  # sized to the image, under the user's own prefix
    assert _size(c.blobs.get(mask_key(user.id, job.id))) == (source.width, source.height)
    [filled] = settle(c, user, job.id).images
    assert (filled.width, filled.height) == (source.width, source.height)
    before = Image.open(io.BytesIO(fetch_media(c, source.original_url))).convert("RGB")
    after = Image.open(io.BytesIO(fetch_media(c, filled.original_url))).convert("RGB")
    assert after.getpixel((1000, 500)) == before.getpixel((1000, 500))  # the unpainted right half is kept
    assert after.crop((0, 0, 400, 1024)).tobytes() != before.crop((0, 0, 400, 1024)).tobytes()
    assert c.gallery.page(user).total == 2  # the source and the result: the mask is no picture of the gallery
    assert_money_balances(c, user)


def test_deleting_a_fill_with_how_it_was_made_removes_its_mask(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    job = c.of(VariationService).fill(user, source.id, _mask(300, 300), "a golden sun", c.generation.new_token())
    [filled] = settle(c, user, job.id).images
    c.gallery.delete(user, filled.id, how_made=True)
    c.of(DeletionRunner).run()  # the worker's outbox round
    assert not c.blobs.exists(mask_key(user.id, job.id))  # the brushed region went with the prompt and settings
    assert c.gallery.page(user).total == 1  # the source stays


def test_a_refused_fill_leaves_no_mask_and_no_charge(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    token = c.generation.new_token()
    with pytest.raises(ValidationError, match="Write a description"):
        c.of(VariationService).fill(user, source.id, _mask(64, 64), "   ", token)
    assert not c.blobs.exists(mask_key(user.id, token))
    assert refreshed(c, user).balance == 19


# -- fal.ai ------------------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def _fal_source(c, user, fal: FalServer, clock, size=(1024, 768)):  # type: ignore[no-untyped-def]
    fal.script(Scenario(size=size, content="png"))
    job = c.generation.submit(user, fal_form("kontext-pro"), c.generation.new_token())
    return run_to_end(c, user, job.id, clock).images[0]


def _check_schema(endpoint: str, body: object) -> None:
    schema = json.loads((SCHEMAS / f"{endpoint.replace('/', '__')}.json").read_text())
    jsonschema.validate(body, schema)


def _data_size(uri: object) -> tuple[int, int]:
    assert isinstance(uri, str) and uri.startswith("data:")
    return _size(base64.b64decode(uri.partition(",")[2]))


def test_fal_upscales_twice_the_size_at_the_quoted_price(tmp_path, database_url, fal: FalServer, clock) -> None:
    c = fal_container(tmp_path, database_url, fal, clock)
    user = sign_up(c)
    source = _fal_source(c, user, fal, clock)
    offer = c.of(VariationService).offers(user, source.id).upscale
    assert offer.credits == 30 * 3  # 2048 × 1536 out: 3 MP at $0.03
    job = c.of(VariationService).upscale(user, source.id, c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert done.cost == done.charged == offer.credits
    [big] = done.images
    assert (big.width, big.height) == (2048, 1536)
    body = fal.submits("fal-ai/clarity-upscaler")[0].json
    _check_schema("fal-ai/clarity-upscaler", body)
    assert isinstance(body, dict) and body["upscale_factor"] == 2 and body["prompt"] == "a lighthouse at dusk"
    assert c.gallery.detail(user, big.id).chain.parents[0].id == source.id
    assert_money_balances(c, user)


def test_fal_varies_subtly_with_the_kontext_edit_model(tmp_path, database_url, fal: FalServer, clock) -> None:
    c = fal_container(tmp_path, database_url, fal, clock)
    user = sign_up(c)
    source = _fal_source(c, user, fal, clock)
    job = c.of(VariationService).vary_subtly(user, source.id, c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.SUCCEEDED and done.model == "kontext-pro-edit" and done.charged == 40
    body = fal.submits("fal-ai/flux-pro/kontext")[-1].json
    _check_schema("fal-ai/flux-pro/kontext", body)
    assert isinstance(body, dict) and body["prompt"] == SUBTLE_VARIATION_PROMPT and "image_url" in body


def test_fal_fills_with_a_mask_the_size_of_the_image_sent(tmp_path, database_url, fal: FalServer, clock) -> None:
    c = fal_container(tmp_path, database_url, fal, clock)
    user = sign_up(c)
    source = _fal_source(c, user, fal, clock)
    offer = c.of(VariationService).offers(user, source.id).fill
    job = c.of(VariationService).fill(user, source.id, _mask(200, 150), "a red kite", c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.SUCCEEDED and done.cost == done.charged == offer.credits == 50
    body = fal.submits("fal-ai/flux-pro/v1/fill")[0].json
    _check_schema("fal-ai/flux-pro/v1/fill", body)
    assert isinstance(body, dict) and body["prompt"] == "a red kite"
    assert _data_size(body["mask_url"]) == _data_size(body["image_url"]) == (1024, 768)
    assert_money_balances(c, user)


def test_a_fill_fal_refuses_returns_its_hold(tmp_path, database_url, fal: FalServer, clock) -> None:
    c = fal_container(tmp_path, database_url, fal, clock)
    user = sign_up(c)
    source = _fal_source(c, user, fal, clock)
    balance = refreshed(c, user).balance
    fal.script(Scenario(error_status=422), endpoint="fal-ai/flux-pro/v1/fill")
    job = c.of(VariationService).fill(user, source.id, _mask(200, 150), "a red kite", c.generation.new_token())
    assert refreshed(c, user).balance == balance - job.cost  # held while fal works
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.FAILED and done.charged == 0
    assert refreshed(c, user).balance == balance
    assert_money_balances(c, user)


def test_the_privacy_export_holds_each_fills_mask_beside_its_job(containers, database_url) -> None:
    c = containers(database_url)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    job = c.of(VariationService).fill(user, source.id, _mask(64, 64), "a golden sun", c.generation.new_token())
    settle(c, user, job.id)
    archive = everything(c, user)
    [filled] = [j for j in document(archive, "generations.json")["generations"] if j["kind"] == "fill"]
    assert filled["mask_file"] == f"masks/{job.id}.png" and filled["input_image_ids"] == [source.id]
    assert _size(archive.read(filled["mask_file"])) == (source.width, source.height)
    assert "masks/" in archive.read("README.txt").decode()


def test_erasing_the_account_removes_its_fill_masks(tmp_path, database_url) -> None:
    c = make_container(tmp_path, database_url, clock=MovableClock(), erasure_grace_days=0)
    user = sign_up(c)
    source = _picture(c, user).images[0]
    job = c.of(VariationService).fill(user, source.id, _mask(64, 64), "a golden sun", c.generation.new_token())
    settle(c, user, job.id)
    assert c.blobs.exists(mask_key(user.id, job.id))
    c.of(ErasureService).schedule(user, user.email)
    assert c.of(ErasureService).run_due() == 1
    c.of(DeletionRunner).run()
    assert not c.blobs.exists(mask_key(user.id, job.id))
    assert [key for key in c.blobs.keys("") if key.startswith(f"u{user.id}/")] == []


def test_an_upscale_the_engine_fails_returns_its_hold(containers, database_url) -> None:
    engine = FakeImageEngine()
    c = containers(database_url, engine=engine)
    user = sign_up(c)
    source = _picture(c, user, model="fake-draw").images[0]
    engine.fail_result = True
    job = c.of(VariationService).upscale(user, source.id, c.generation.new_token())
    assert refreshed(c, user).balance == 20 - 1 - job.cost  # held while the engine works
    done = settle(c, user, job.id)
    assert done.status == JobStatus.FAILED and done.charged == 0
    assert refreshed(c, user).balance == 20 - 1
    assert_money_balances(c, user)
