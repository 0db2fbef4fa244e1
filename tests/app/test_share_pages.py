"""Sharing as a user meets it: the image view's "Share…" panel (with the prompt only when toggled, the link shown
for copying, revocable) and the privacy centre's list of links with Revoke and Revoke all."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain import GenerationView, UserView
from core.services.shares import ShareService
from tests.app.test_privacy_centre_pages import open_section, texts
from tests.factories import create_form, settle

ALICE = "alice@example.com"


def make(c: Container, user: UserView, prompt: str = "purple stripes") -> GenerationView:
    return settle(c, user, c.generation.submit(user, create_form(prompt), c.generation.new_token()).id)


def image_view(open_app, image_id: int) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_app(ALICE)
    at.query_params.update(image=str(image_id))
    return at.switch_page("pages/gallery.py").run()


def links(at: AppTest) -> list[str]:
    return [str(code.value) for code in at.code if "/s/" in str(code.value)]


def test_the_image_view_makes_a_link_with_the_prompt_only_when_asked_and_revokes_it(open_app, app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    image = make(c, alice).images[0]
    shares = c.of(ShareService)
    at = image_view(open_app, image.id)
    assert links(at) == []

    next(b for b in at.button if b.label == "Create link").click()
    at = at.run()
    made = shares.list_for_image(alice, image.id)
    assert len(made) == 1 and made[0].with_prompt is False
    assert len(links(at)) == 1 and links(at)[0].endswith(made[0].path)

    next(t for t in at.toggle if t.label == "Include the prompt").set_value(True)
    next(b for b in at.button if b.label == "Create link").click()
    at = at.run()
    assert sorted(s.with_prompt for s in shares.list_for_image(alice, image.id)) == [False, True]
    assert len(links(at)) == 2 and "Picture and prompt" in texts(at)

    revoke = [b for b in at.button if b.label == "Revoke"]
    assert len(revoke) == 2
    revoke[0].click()
    at = at.run()
    assert len(shares.list_for_image(alice, image.id)) == 1 and len(links(at)) == 1


def test_the_privacy_centre_lists_every_link_and_revokes_one_then_all(app_settings) -> None:
    c = app_settings
    alice = c.accounts.sign_in_local(ALICE).user
    first, second = make(c, alice, "a boat").images[0], make(c, alice, "a cat").images[0]
    shares = c.of(ShareService)
    kept = shares.create(alice, first.id, with_prompt=True)
    ended = shares.create(alice, second.id, with_prompt=False)
    shares.create(alice, first.id, with_prompt=False)

    at = open_section(c, "shares")
    assert "3 public links" in texts(at) and len(links(at)) == 3
    assert "Picture and prompt" in texts(at) and "Picture only" in texts(at)
    next(b for b in at.button if b.key == f"privacy.shares.revoke.{ended.id}").click()
    at = at.run()
    assert ended.id not in {s.id for s in shares.list_for_user(alice)} and len(links(at)) == 2
    assert kept.id in {s.id for s in shares.list_for_user(alice)}

    next(b for b in at.button if b.label == "Revoke all").click()
    at = at.run()
    assert shares.list_for_user(alice) == [] and links(at) == []
    assert "Revoked 2 links" in texts(at) and "None of your images is shared" in texts(at)
