"""fal.ai's safety flags through the real fal-client and the local fal server, on SQLite and PostgreSQL: a flagged
image's bytes are kept (apart, withheld), never charged, and a person can release it."""

from __future__ import annotations

import pytest

from core.domain import JobStatus
from core.services.safety_review_views import ReviewStatus
from core.services.safety_reviews import SafetyReviewService
from tests.factories import MovableClock, refreshed, sign_up
from tests.fal_server import FalServer, Scenario, has_test_metadata
from tests.fal_support import assert_money_balances, fal_container, fal_form, run_to_end


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def c(tmp_path, database_url, fal: FalServer, clock: MovableClock):  # type: ignore[no-untyped-def]
    return fal_container(tmp_path, database_url, fal, clock, admin_emails="admin@example.com")


def test_a_flagged_fal_image_is_kept_withheld_and_clean_and_released_at_its_share_of_the_price(
    c, fal: FalServer, clock
) -> None:
    admin = sign_up(c, "admin@example.com")
    user = sign_up(c)
    fal.script(Scenario(nsfw=[False, True]))
    done = run_to_end(
        c, user, c.generation.submit(user, fal_form("kontext-max", num_images=2), c.generation.new_token()).id, clock
    )
    assert done.status == JobStatus.SUCCEEDED and len(done.images) == 1 and done.charged == 80
    service = c.of(SafetyReviewService)
    [review] = service.mine(user)
    assert review.status == ReviewStatus.WITHHELD and review.position == 1
    [key] = list(c.withheld.keys(f"u{user.id}/"))
    assert not has_test_metadata(c.withheld.get(key))  # cleaned like any delivered image
    service.request_review(user, review.public_id)
    [item] = service.queue(admin).items
    assert service.release(admin, item.id) == 80
    assert len(c.gallery.page(user).items) == 2 and refreshed(c, user).balance == 1000 - 160
    assert_money_balances(c, user)


def test_a_flagged_data_uri_output_keeps_its_bytes(c, fal: FalServer, clock) -> None:
    user = sign_up(c)
    fal.script(Scenario(nsfw=[True], data_uri=True))
    done = run_to_end(c, user, c.generation.submit(user, fal_form(), c.generation.new_token()).id, clock)
    assert done.status == JobStatus.FAILED and done.blocked == 1 and done.charged == 0
    assert [r.status for r in c.of(SafetyReviewService).mine(user)] == [ReviewStatus.WITHHELD]
    assert len(list(c.withheld.keys(f"u{user.id}/"))) == 1 and refreshed(c, user).balance == 1000
