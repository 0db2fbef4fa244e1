"""Jobs through fal.ai's queue: the real fal-client against the local fal server, on SQLite and PostgreSQL.

Each test checks what a user sees (images, messages, balance) and what fal received, then the
ledger invariants: the balance is the ledger's sum, and no hold outlives its job.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.domain import GenerationKind, JobStatus
from core.services.deletion_runner import DeletionRunner
from core.services.job_io import request_for
from tests.factories import MovableClock, fetch_media, image_bytes, refreshed, settle, sign_up
from tests.fal_server import FalServer, Scenario, has_test_metadata
from tests.fal_support import assert_money_balances, fal_container, fal_form, run_to_end


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def c(tmp_path, database_url, fal: FalServer, clock: MovableClock):  # type: ignore[no-untyped-def]
    return fal_container(tmp_path, database_url, fal, clock)


def test_one_image_is_stored_clean_with_fal_seed_and_charged_its_flat_price(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(queue_positions=[1, 0], seed=777))
    job = c.generation.submit(user, fal_form("kontext-pro", aspect_ratio="16:9"), c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.SUCCEEDED and done.cost == done.charged == 40
    [image] = done.images
    assert image.seed == 777 and (image.width, image.height) == (1024, 576)
    stored = fetch_media(c, image.original_url)
    assert not has_test_metadata(stored) and Image.open(io.BytesIO(stored)).size == (1024, 576)
    assert done.provider_request_id and done.provider_request_id.startswith("fal-ai/flux-pro/kontext/text-to-image/")
    [submit] = fal.submits()
    assert submit.json == {
        "prompt": "a lighthouse at dusk",
        "aspect_ratio": "16:9",
        "seed": done.seed,
        "guidance_scale": 3.5,
        "num_images": 1,
        "output_format": "jpeg",
        "safety_tolerance": "2",
        "enhance_prompt": False,
    }
    assert submit.headers["X-Fal-Store-IO"] == "0"  # fal keeps neither the request nor its outputs
    assert refreshed(c, user).balance == 1000 - 40
    assert_money_balances(c, user)


def test_four_images_arrive_and_are_all_charged(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    form = fal_form("flux2-dev", num_images=4, options={"image_size": "square_hd", "steps": 20})
    job = c.generation.submit(user, form, c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert [i.position for i in done.images] == [0, 1, 2, 3]
    assert done.cost == done.charged == 4 * 12
    body = fal.submits()[0].json
    assert isinstance(body, dict) and body["num_images"] == 4 and body["num_inference_steps"] == 20
    assert body["acceleration"] == "regular" and body["enable_prompt_expansion"] is False
    assert_money_balances(c, user)


def test_a_non_square_size_is_priced_by_its_megapixels_rounded_up(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    form = fal_form("flux2-pro", options={"image_size": "1920x1080"})
    assert c.generation.quote(user, form) == 30 + 15  # 1920×1080 is 1.98 MP: 2 MP, as fal's own example
    done = run_to_end(c, user, c.generation.submit(user, form, c.generation.new_token()).id, clock)
    assert done.cost == done.charged == 45 and (done.images[0].width, done.images[0].height) == (1920, 1080)
    body = fal.submits()[0].json
    assert isinstance(body, dict) and body["image_size"] == {"width": 1920, "height": 1080}
    assert "num_images" not in body  # FLUX.2 [pro] makes one image and takes no count
    assert_money_balances(c, user)


def test_references_are_priced_by_their_megapixels_and_sent_as_data_uris(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    uploads = (image_bytes("JPEG", (1920, 1080)), image_bytes("PNG", (3000, 1000)))
    form = fal_form(
        "flux2-pro-multi",
        "the cat from the first on the sofa from the second",
        kind=GenerationKind.MULTI_REFERENCE,
        reference_uploads=uploads,
        options={"image_size": "square_hd"},
    )
    # 1 MP out; inputs 1920×1080 (2 MP) and 3000×1000 sent at 2048×683 (2 MP): 30 + 15 × 4
    assert c.generation.quote(user, form) == 90
    done = run_to_end(c, user, c.generation.submit(user, form, c.generation.new_token()).id, clock)
    assert done.cost == 90 and len(done.input_image_ids) == 2
    body = fal.submits()[0].json
    assert isinstance(body, dict)
    sent = [Image.open(io.BytesIO(_decode(uri))) for uri in body["image_urls"]]
    assert [s.size for s in sent] == [(1920, 1080), (2048, 683)]  # the long side is at most 2,048 px
    assert_money_balances(c, user)


def test_a_422_becomes_plain_words_and_a_full_release(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(error_status=422))
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.FAILED and done.charged == 0
    assert "content policy" in done.status_message and "credits were returned" in done.status_message
    assert "flagged" not in done.status_message  # never fal's raw text
    assert refreshed(c, user).balance == 1000
    assert_money_balances(c, user)


def test_a_500_on_submit_is_retried_once_and_the_job_is_sent_once(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(submit_errors=[500]))
    job = settle(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id)
    assert job.status == JobStatus.QUEUED and "trying again (attempt 2 of 3)" in job.status_message
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 1
    assert len(fal.submits()) == 1 and len([r for r in fal.requests if r.method == "POST"]) == 2
    assert_money_balances(c, user)


def test_a_permanent_503_is_tried_three_times_then_released(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(submit_errors=[503] * 10))
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.FAILED and "We tried 3 times" in done.status_message
    assert not fal.submits() and len([r for r in fal.requests if r.method == "POST"]) == 3
    assert refreshed(c, user).balance == 1000
    assert_money_balances(c, user)


def test_an_unreachable_fal_is_a_passing_failure_then_a_release(tmp_path, database_url, fal, clock) -> None:
    c = fal_container(tmp_path, database_url, fal, clock, fal_queue_url="http://127.0.0.1:9/queue/")
    user = sign_up(c)
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.FAILED and done.charged == 0 and "busy or unreachable" in done.status_message
    assert_money_balances(c, user)


def test_status_and_result_5xx_are_retried_and_the_job_still_succeeds(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(status_errors=[502, 500], result_errors=[500]))
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.SUCCEEDED and done.charged == 40
    assert_money_balances(c, user)


def test_a_job_past_the_timeout_is_canceled_at_fal_and_released(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(queue_positions=[5] * 50))
    job = c.generation.submit(user, fal_form(), c.generation.new_token())
    settle(c, user, job.id)
    clock.advance(seconds=c.settings.generation_timeout_seconds + 1)
    c.jobs.reconcile()
    done = c.generation.status(user, job.id)
    assert done.status == JobStatus.FAILED and "Timed out" in done.status_message
    assert fal.cancels == [job_request_id(done)]
    assert refreshed(c, user).balance == 1000
    assert_money_balances(c, user)


def test_one_of_two_images_flagged_is_withheld_and_not_charged(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(nsfw=[False, True]))
    job = c.generation.submit(user, fal_form("kontext-max", num_images=2), c.generation.new_token())
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 1 and done.blocked == 1
    assert done.cost == 160 and done.charged == 80
    assert "safety filter withheld 1 image of 2" in done.status_message
    assert c.gallery.page(user).items[0].id == done.images[0].id and len(c.gallery.page(user).items) == 1
    assert_money_balances(c, user)


def test_every_image_flagged_fails_with_the_safety_block_and_charges_nothing(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(nsfw=[True]))
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.FAILED and done.blocked == 1 and done.charged == 0
    assert "safety filter withheld the image" in done.status_message
    assert_money_balances(c, user)


def test_cancel_tells_fal_and_releases_the_hold(c, fal: FalServer) -> None:
    user = sign_up(c)
    fal.script(Scenario(queue_positions=[3, 2, 1]))
    job = c.generation.submit(user, fal_form(), c.generation.new_token())
    c.jobs.reconcile()  # a worker sends it
    done = c.generation.cancel(user, job.id)
    assert done.status == JobStatus.CANCELED and fal.cancels == []  # the page never waits on fal
    assert refreshed(c, user).balance == 1000
    c.of(DeletionRunner).run()  # the worker's outbox task tells fal
    assert fal.cancels == [job_request_id(done)]
    assert_money_balances(c, user)


def test_a_server_restart_mid_job_completes_it_once(tmp_path, database_url, fal: FalServer, clock) -> None:
    first = fal_container(tmp_path, database_url, fal, clock)
    user = sign_up(first)
    fal.script(Scenario(queue_positions=[2, 1, 0]))
    job = first.generation.submit(user, fal_form(), first.generation.new_token())
    settle(first, user, job.id)
    first.db.engine.dispose()  # the first server is gone; a new process starts over the same database
    second = fal_container(tmp_path, database_url, fal, clock)
    for _ in range(10):
        clock.advance(seconds=1)
        second.jobs.reconcile()
    done = second.generation.status(user, job.id)
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 1
    assert len(fal.submits()) == 1
    assert_money_balances(second, user)


def test_a_sender_that_died_inside_submit_is_never_sent_again(c, fal: FalServer, clock) -> None:
    """fal cannot look a job up by our key: a send that may have landed is stopped and released, not repeated."""
    user = sign_up(c)
    fal.script(Scenario())
    job = c.generation.submit(user, fal_form(), c.generation.new_token())
    with c.db.uow() as uow:  # as if the worker died after fal took the job, before the id was written
        row = uow.generations.get(job.id)
        assert row is not None
        row.send_attempts = 1
        uow.session.add(row)
        uow.commit()
    c.engine.submit(request_for(c.db, c.blobs, row), row.id)
    done = run_to_end(c, user, job.id, clock)
    assert done.status == JobStatus.FAILED and "could not confirm" in done.status_message
    assert len(fal.submits()) == 1
    assert_money_balances(c, user)


def test_an_edit_chains_from_its_parent_and_the_source_goes_as_a_data_uri(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    first = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    parent = first.images[0]
    edit = fal_form("kontext-pro-edit", "make it night", kind=GenerationKind.EDIT, source_image_id=parent.id)
    done = run_to_end(c, user, c.generation.submit(user, edit, c.generation.new_token()).id, clock)
    assert done.input_image_ids == (parent.id,) and done.aspect_ratio == ""
    body = fal.submits()[-1].json
    assert isinstance(body, dict) and body["image_url"].startswith("data:image/") and "aspect_ratio" not in body
    chain = c.gallery.chain(user, parent.id)
    assert [i.id for i in chain.children] == [done.images[0].id]
    assert [i.id for i in c.gallery.chain(user, done.images[0].id).parents] == [parent.id]
    assert_money_balances(c, user)


def job_request_id(view) -> str:  # type: ignore[no-untyped-def]
    return str(view.provider_request_id).rsplit("/", 1)[-1]


def _decode(uri: str) -> bytes:
    import base64

    return base64.b64decode(uri.split(",", 1)[1])
