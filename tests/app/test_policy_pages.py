"""Policy versions as people meet them: the notice of an announced change above every page until the user says
OK; Privacy → Policies with the version in force, the one coming and the lines it adds; Admin → Policies
refusing a date with too little notice (naming the earliest) and publishing on a good one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain.policies import PRIVACY_POLICY
from core.services.policies import PolicyService
from tests.app.test_privacy_centre_pages import open_section
from tests.markdown import unescape

DRAFT = "2027-02-01"  # the shipped draft of the privacy policy
NOTICE = "Our privacy policy changes on 1 February 2027."
OK = f"guard.policy.{PRIVACY_POLICY}.{DRAFT}.ok"


@pytest.fixture(autouse=True)
def december() -> Iterator[None]:
    with time_machine.travel(datetime(2026, 12, 10, 9, 0, tzinfo=UTC), tick=True):
        yield


def publish(c: Container) -> None:
    admin = c.accounts.sign_in_local("admin@example.com").user
    c.of(PolicyService).publish(admin, PRIVACY_POLICY, DRAFT, date(2027, 2, 1))


def texts(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "success", "error", "warning", "toast")
    return unescape(" | ".join(str(e.value) for kind in kinds for e in at.get(kind)))


def test_the_notice_shows_on_every_page_from_the_announcement_until_the_user_says_ok(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_app()
    assert NOTICE not in texts(at)
    publish(app_settings)
    at = open_app()
    assert NOTICE in texts(at)
    assert "What changes" in [e.label for e in at.expander]
    assert "stored encrypted" in texts(at)
    at.switch_page("pages/gallery.py").run()
    assert NOTICE in texts(at)
    at.button(key=OK).click().run()
    assert NOTICE not in texts(at)
    at.switch_page("pages/privacy.py").run()
    assert NOTICE not in texts(at)
    alice = app_settings.accounts.get(1)  # the first to sign in
    assert alice is not None and alice.email == "alice@example.com"
    assert [(a.version, a.title) for a in app_settings.of(PolicyService).acknowledgements(alice)] == [
        (DRAFT, "Privacy policy")
    ]
    assert "Changes you acknowledged" in texts(at)


def test_the_privacy_centre_shows_the_version_in_force_and_the_coming_one_with_the_lines_it_adds(
    app_settings: Container,
) -> None:
    at = open_section(app_settings, "policies")
    shown = texts(at)
    assert "**Privacy policy**: version 2026-12-01, in force since 1 December 2026." in shown
    assert "**Terms of service**: version 2026-12-01" in shown and not at.info
    publish(app_settings)
    at = open_section(app_settings, "policies")
    assert "Version 2027-02-01 takes effect on 1 February 2027. What changes: Images and uploads" in texts(at)
    [changes] = at.code
    assert "+ ## How we protect it" in changes.value.splitlines()
    assert "Lines starting with + are added" in texts(at)


def test_admin_policies_refuses_too_little_notice_naming_the_earliest_date_and_publishes_on_a_good_one(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_app("admin@example.com", script="pages/admin_policies.py")
    assert [t.value for t in at.title] == ["Policies"]
    assert "the earliest effective date is **9 January 2027**" in texts(at)
    picker = at.date_input(key=f"admin.policies.effective.{PRIVACY_POLICY}")
    assert picker.value == date(2027, 2, 1)  # the file's own date, later than the earliest
    picker.set_value(date(2026, 12, 20))
    next(b for b in at.button if b.label == "Publish").click().run()
    assert "the earliest effective date for Privacy policy 2027-02-01 published today is 9 January 2027" in texts(at)
    assert app_settings.of(PolicyService).status(PRIVACY_POLICY).upcoming == ()
    at.date_input(key=f"admin.policies.effective.{PRIVACY_POLICY}").set_value(date(2027, 1, 9))
    next(b for b in at.button if b.label == "Publish").click().run()
    assert "Privacy policy 2027-02-01 is published, effective 9 January 2027. Emailed to 1 user." in texts(at)
    [coming] = app_settings.of(PolicyService).status(PRIVACY_POLICY).upcoming
    assert coming.effective == date(2027, 1, 9)


def test_admin_policies_is_refused_to_a_user(open_app: Callable[..., AppTest]) -> None:
    at = open_app(script="pages/admin_policies.py")
    assert [t.value for t in at.title] == ["Not available"]
    assert not at.dataframe and not at.date_input
