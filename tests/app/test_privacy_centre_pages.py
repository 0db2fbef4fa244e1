"""The privacy centre's sections as a user meets them (each run on its own, as the page composes them), the
Generate page under a restriction, and Admin → Privacy queue answering a correction the user then reads."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.domain.privacy import Purpose
from core.services.policies import PolicyService
from core.services.privacy import RESTRICTED, PrivacyService
from db.tables import AuditEntry
from tests.markdown import unescape


def section(name: str, user_id: int) -> None:
    """A privacy centre section as pages/privacy.py renders it, for one user."""
    import importlib

    from core.bootstrap import app_container
    from pages.components.flash import show_flash

    show_flash()
    user = app_container().accounts.get(user_id)
    assert user is not None
    module = importlib.import_module(f"pages.components.privacy_{name}")
    module.render(user)
    if name == "holdings":
        module.complaints()


def open_section(c: Container, name: str, email: str = "alice@example.com") -> AppTest:
    user = c.accounts.sign_in_local(email).user
    return AppTest.from_function(section, args=(name, user.id), default_timeout=30).run()


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "success", "error", "warning", "toast")
    return unescape(" | ".join(str(e.value) for kind in kinds for e in at.get(kind)))


def audit_actions(c: Container) -> list[str]:
    """The staff's actions (not the role ADMIN_EMAILS gave at the first sign-in)."""
    with c.db.reader() as uow:
        query = select(AuditEntry.action).where(col(AuditEntry.actor_id).is_not(None)).order_by(col(AuditEntry.id))
        return list(uow.session.exec(query).all())


def test_every_switch_starts_off_and_one_click_saves_a_change_the_history_shows(app_settings: Container) -> None:
    at = open_section(app_settings, "consents")
    labels = [t.label for t in at.toggle]
    assert labels == ["Use my images to train models", "Analytics of my usage", "Product emails", "Restrict processing"]
    assert [t.value for t in at.toggle] == [False] * 4
    assert "No changes yet" in texts(at)
    at.toggle(key="privacy.consent.training").set_value(True).run()
    assert "Saved: Use my images to train models is on." in texts(at)
    assert at.toggle(key="privacy.consent.training").value is True
    at.toggle(key="privacy.consent.training").set_value(False).run()  # withdrawn just as easily
    assert "Saved: Use my images to train models is off." in texts(at)
    history = at.dataframe[0].value
    assert history["Set to"].tolist() == ["Off", "On"]
    assert history["Policy version"].tolist() == [app_settings.of(PolicyService).current_version()] * 2
    alice = app_settings.accounts.get(1)
    assert alice is not None and not app_settings.of(PrivacyService).choices(alice)[Purpose.TRAINING]


def test_restricting_stops_the_generate_page_before_the_user_tries_and_lifting_it_frees_it(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_section(app_settings, "consents")
    at.toggle(key="privacy.consent.restriction").set_value(True).run()
    assert "Saved: processing is restricted." in texts(at)
    generate = open_app()
    assert RESTRICTED in [w.value for w in generate.warning]
    assert next(b for b in generate.button if b.label.startswith("Generate")).disabled
    at.toggle(key="privacy.consent.restriction").set_value(False).run()
    assert "Saved: the restriction is lifted." in texts(at)
    generate = open_app()
    assert RESTRICTED not in [w.value for w in generate.warning]
    assert not next(b for b in generate.button if b.label.startswith("Generate")).disabled


def test_what_we_hold_lists_the_categories_with_counts_region_and_whom_to_complain_to(app_settings: Container) -> None:
    at = open_section(app_settings, "consents")
    at.toggle(key="privacy.consent.analytics").set_value(True).run()
    at.toggle(key="privacy.consent.analytics").set_value(False).run()  # an objection: a request too
    held = open_section(app_settings, "holdings")
    shown = texts(held)
    assert "Every change of your privacy choices: what, which way, when, under which policy version: **2**" in shown
    assert "The rights you exercised, your requests in your own words, and our answers: **1**" in shown
    assert f"Stored in: **{app_settings.settings.data_region}**" in shown
    assert "Also received by: fal.ai: prompts and images only" in shown
    assert "complain to your national data protection authority" in texts(held)
    [link] = held.get("link_button")
    assert link.proto.url == app_settings.settings.complaint_contact


def test_a_correction_request_is_answered_in_the_admin_queue_and_the_user_reads_the_answer(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    at = open_section(app_settings, "rectify")
    assert at.text_input(key="privacy.rectify.name").value == "alice"  # the name from the address, editable
    at.text_area(key="privacy.rectify.detail").input("My invoices show an old company name, *ACME*.")
    at = [b for b in at.button if b.label == "Send request"][0].click().run()
    assert at.text_area(key="privacy.rectify.detail").value == ""  # a fresh box for the next request
    assert at.dataframe == []  # the request is listed once, under "Your requests", not here too
    requests = open_section(app_settings, "requests")
    mine = requests.dataframe[0].value
    assert (mine["Request"].tolist(), mine["Status"].tolist()) == (["Asked for a correction"], ["Received"])
    assert mine["Your words"].tolist() == ["My invoices show an old company name, *ACME*."]
    assert mine["Answer by"].tolist()[0].endswith(" UTC")

    admin = open_app("admin@example.com", script="pages/admin_privacy.py")
    assert admin.dataframe[0].value["Status"].tolist() == ["Received"]
    assert admin.dataframe[0].value["Deadline"].tolist() == ["Due in 29 days"]
    admin.selectbox(key="admin.privacy.open").select_index(0).run()
    assert "alice@example.com" in texts(admin)
    assert [t.value for t in admin.text] == ["My invoices show an old company name, *ACME*."]
    admin.text_area(key=f"admin.privacy.answer_text.{1}").input("Changed to your current company name.")
    admin = [b for b in admin.button if b.label == "Send answer"][0].click().run()
    assert admin.dataframe == []  # the open queue is empty now
    admin.segmented_control(key="admin.privacy.filter").set_value("all").run()
    assert admin.dataframe[0].value["Status"].tolist() == ["Completed"]
    assert audit_actions(app_settings).count("privacy_request.viewed") == 1  # opened once, not once a rerun
    assert "privacy_request.answered" in audit_actions(app_settings)

    requests.run()
    answered = requests.dataframe[0].value
    assert (answered["Status"].tolist(), answered["Our answer"].tolist()) == (
        ["Completed"],
        ["Changed to your current company name."],
    )


def test_the_name_is_corrected_in_the_centre_with_the_account_pages_own_rule(app_settings: Container) -> None:
    at = open_section(app_settings, "rectify")
    at.text_input(key="privacy.rectify.name").input("Alice Martin")
    at = [b for b in at.button if b.label == "Save name"][0].click().run()
    alice = app_settings.accounts.get(1)
    assert alice is not None and alice.display_name == "Alice Martin"
    at.text_input(key="privacy.rectify.name").input("Alice \u202eMartin")
    at = [b for b in at.button if b.label == "Save name"][0].click().run()
    assert "The name contains characters that change the direction of text (U+202E)" in texts(at)
    alice = app_settings.accounts.get(1)
    assert alice is not None and alice.display_name == "Alice Martin"


def test_a_request_that_is_too_short_is_refused_and_what_was_typed_is_kept(app_settings: Container) -> None:
    at = open_section(app_settings, "rectify")
    at.text_area(key="privacy.rectify.detail").input("bad")
    at = [b for b in at.button if b.label == "Send request"][0].click().run()
    assert "Say what is wrong and what it should be" in texts(at)
    assert at.text_area(key="privacy.rectify.detail").value == "bad"
    assert "None yet" in texts(open_section(app_settings, "requests"))


def test_the_users_list_is_audited_once_per_search_and_a_user_once_per_opening_not_on_every_rerun(
    app_settings: Container, open_app: Callable[..., AppTest]
) -> None:
    app_settings.accounts.sign_in_local("bob@example.com")
    at = open_app("admin@example.com", script="pages/admin_users.py")
    at.run()
    assert audit_actions(app_settings) == ["users.searched"]
    at.text_input(key="admin.users.search").input("bob@").run()
    at.run()
    at.selectbox(key="admin.users.manage").select(1).run()
    at.run()
    assert audit_actions(app_settings) == ["users.searched", "users.searched", "user.viewed"]
    with app_settings.db.reader() as uow:
        details = uow.session.exec(select(AuditEntry.details).where(AuditEntry.action == "users.searched")).all()
    assert "bob" not in " ".join(details) and '"query_chars": 4' in details[-1]
