"""Safety reviews through the pages: the reviewer's queue (open, release, confirm the block), the privacy centre's
"Automated decisions" section, and the Generate page's button that sends a withheld image to a person."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import UserView
from core.services.safety_review_views import ReviewStatus
from core.services.safety_reviews import SafetyReviewService
from db.tables import AuditEntry
from tests.app.ticks import worked
from tests.factories import create_form, settle, sign_up

FLAGGED = "a nude figure in a garden"


def withheld_job(c: Container, user: UserView, num_images: int = 1) -> str:
    job = c.generation.submit(user, create_form(FLAGGED, num_images=num_images), c.generation.new_token())
    for _ in range(20):
        job = settle(c, user, job.id)
        if not job.status.in_flight:
            return job.id
    raise AssertionError("the job did not end")


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return button.click().run()


def section(user_id: int) -> None:
    from core.bootstrap import app_container
    from pages.components import privacy_reviews

    user = app_container().accounts.get(user_id)
    assert user is not None
    privacy_reviews.render(user)


def test_a_reviewer_opens_a_withheld_image_sees_the_prompt_and_releases_it(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    c = app_settings
    alice = sign_up(c)
    withheld_job(c, alice)
    service = c.of(SafetyReviewService)
    service.request_review(alice, service.mine(alice)[0].public_id)
    at = open_app("admin@example.com", script="pages/admin_reviews.py")
    assert any("Review #1" in m.value for m in at.markdown)
    at = click(at, "Open")
    assert FLAGGED in [t.value for t in at.text] and len(at.get("image")) == 1
    with c.db.reader() as uow:
        assert [e.action for e in uow.session.exec(select(AuditEntry)).all()][-1] == "safety_review.viewed"
    at = click(at, "Release")
    assert any("No image is waiting" in i.value for i in at.info)
    assert len(c.gallery.page(alice).items) == 1 and service.mine(alice)[0].status == ReviewStatus.RELEASED


def test_a_reviewer_confirms_a_block_and_the_queue_empties(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    c = app_settings
    alice = sign_up(c)
    withheld_job(c, alice)
    service = c.of(SafetyReviewService)
    service.request_review(alice, service.mine(alice)[0].public_id)
    at = click(open_app("admin@example.com", script="pages/admin_reviews.py"), "Open")
    at = click(at, "Confirm block")
    assert any("No image is waiting" in i.value for i in at.info)
    assert service.mine(alice)[0].status == ReviewStatus.BLOCKED and c.gallery.page(alice).items == []


def test_someone_who_is_not_an_admin_sees_no_queue(app_settings: Container, open_app: Callable[..., AppTest]) -> None:
    at = open_app("alice@example.com", script="pages/admin_reviews.py")
    assert [t.value for t in at.title] == ["Not available"]
    assert [b.label for b in at.button] == ["Sign out"]  # no queue, no Open, no Release


def test_the_privacy_section_sends_a_withheld_image_to_a_person_and_records_the_choice(
    app_settings: Container,
) -> None:
    c = app_settings
    alice = sign_up(c)
    withheld_job(c, alice)
    at = AppTest.from_function(section, args=(alice.id,), default_timeout=30).run()
    assert at.subheader[0].value == "Automated decisions" and at.toggle[0].value is False
    assert any("Withheld" in m.value for m in at.markdown)
    at = click(at, "Ask a person to review")
    assert any("Waiting for review" in m.value for m in at.markdown) and not at.button
    assert c.of(SafetyReviewService).mine(alice)[0].status == ReviewStatus.PENDING
    at = at.toggle(key="privacy.reviews.human").set_value(True).run()
    assert c.of(SafetyReviewService).human_review(alice) and at.toggle[0].value is True


def test_the_offline_check_says_it_is_a_word_list(app_settings: Container) -> None:
    alice = sign_up(app_settings)
    at = AppTest.from_function(section, args=(alice.id,), default_timeout=30).run()
    assert any("word list, not a model" in c.value for c in at.caption)
    assert any("withheld none of your images" in c.value for c in at.caption)


def test_the_generate_page_offers_a_person_s_review_of_a_withheld_image(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_app()
    at.text_area[0].input(FLAGGED)
    at = at.button(key="generate.submit").click().run()
    for _ in range(4):
        at = worked(at)
    assert any("safety filter withheld the image" in e.value for e in at.error)
    at = click(at, "Ask a person to review")
    alice = app_settings.accounts.get(1)
    assert alice is not None
    assert app_settings.of(SafetyReviewService).mine(alice)[0].status == ReviewStatus.PENDING
    assert any("Waiting for a person" in c.value for c in at.caption)
