"""The privacy centre's "Delete my account" as a person uses it: what stays and why is said before confirming,
the wrong address is refused, the right one schedules the deletion with its date and reference, every page then
says so with "Keep my account", which cancels it."""

from __future__ import annotations

from core.services.erasure import ErasureService

SECTION = "tests/app/scripts/erasure_section.py"


def texts(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(str(e.value) for e in [*at.markdown, *at.warning, *at.info, *at.error, *at.caption])


def test_deleting_the_account_says_what_stays_and_needs_the_address(open_app, app_settings) -> None:
    at = open_app(script=SECTION)
    shown = texts(at)
    assert "7 days" in shown and "tax law" in shown  # the grace period, and why orders stay, before confirming
    at.text_input(key="privacy.erasure.email").input("bob@example.com")
    at.button(key="privacy.erasure.confirm").click().run()
    (refused,) = at.error
    assert "email address" in refused.value and "to confirm" in refused.value and "alice" in refused.value

    at.text_input(key="privacy.erasure.email").input("Alice@Example.com")
    at.button(key="privacy.erasure.confirm").click().run()
    user = app_settings.accounts.sign_in_local("alice@example.com").user
    scheduled = app_settings.of(ErasureService).scheduled(user)
    assert scheduled is not None, ([e.value for e in at.error], [t.value for t in at.text_input])
    shown = texts(at)
    assert scheduled.reference in shown and f"{scheduled.erase_after:%d %B %Y}" in shown
    assert at.get("download_button")  # the reference, to keep


def test_every_page_offers_to_keep_an_account_scheduled_for_deletion(open_app, app_settings) -> None:
    user = app_settings.accounts.sign_in_local("alice@example.com").user
    scheduled = app_settings.of(ErasureService).schedule(user, "alice@example.com")
    at = open_app(script="pages/credits.py")
    assert any(f"scheduled for deletion on {scheduled.erase_after:%d %B %Y}" in str(w.value) for w in at.warning)
    at.button(key="guard.keep_account").click().run()
    assert app_settings.of(ErasureService).scheduled(user) is None
    assert not any("scheduled for deletion" in str(w.value) for w in at.warning)
