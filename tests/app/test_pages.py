"""Every page through AppTest: the guard, the frame, and what a user sees after each action."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import app_container
from pages.components import repeat_press
from tests.app.frame import balance
from tests.app.shown_html import cards, table_rows
from tests.app.ticks import worked
from tests.factories import create_form, settle
from tests.markdown import unescape

STATEMENT = "Credit statement, newest first"
PAGES = ["pages/generate.py", "pages/gallery.py", "pages/credits.py", "pages/billing.py"]


def click(at: AppTest, label_start: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label_start)).click()
    return at.run()


def shown(elements) -> list[str]:  # type: ignore[no-untyped-def]
    """What a reader sees of each element: user text inside is escaped markup."""
    return [unescape(str(e.value)) for e in elements]


def texts(at: AppTest) -> str:
    parts = shown(at.markdown) + shown(at.caption) + shown(at.title)
    parts += shown(at.error) + shown(at.success) + shown(at.warning) + shown(at.info)
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_a_guest_opening_any_page_directly_sees_only_the_sign_in_form(open_app, page: str) -> None:
    at = open_app(email=None, script=page)
    assert [t.value for t in at.title] == ["Sign in to Atelier"]
    assert not at.metric and not at.dataframe and not at.text_area


def test_local_sign_in_creates_the_account_and_shows_the_starter_balance(open_app) -> None:
    at = open_app(email=None)
    at.text_input[0].input("newcomer@example.com")
    at = click(at, "Sign in")
    assert balance(at) == 20
    assert "newcomer@example.com" in "".join(shown(at.sidebar.caption))


def test_a_malformed_email_gets_a_clear_message(open_app) -> None:
    at = open_app(email=None)
    at.text_input[0].input("not-an-email")
    at = click(at, "Sign in")
    assert "name@example.com" in shown(at.error)[0]


def test_the_generate_page_says_the_engine_is_not_ai_and_shows_the_cost(open_app) -> None:
    at = open_app()
    assert "Offline engine: not an AI model" in texts(at)
    assert any(b.label == "Generate · 1 credit" for b in at.button)
    at.radio(key="generate.count").set_value(3).run()
    assert any(b.label == "Generate · 3 credits" for b in at.button)


def test_the_model_picker_is_hidden_while_there_is_only_one_model(open_app) -> None:
    at = open_app()
    assert "Model" not in [s.label for s in at.selectbox]


def test_generating_shows_the_result_and_holds_then_charges_the_credits(open_app) -> None:
    at = open_app()
    at.radio(key="generate.count").set_value(2).run()
    at.text_area[0].input("an orange sun over green hills")
    at = click(at, "Generate")
    assert "**Queued**" in texts(at) and "Waiting for the offline engine" in [t.value for t in at.text]  # no wait
    at = worked(at)
    assert "**Done**" in texts(at) and "Charged 2 credits." in texts(at)
    assert balance(at) == 18
    assert not next(b for b in at.button if b.label.startswith("Generate")).disabled  # ready for the next one


def test_the_results_feed_comes_back_after_a_reload_and_the_draft_after_a_page_switch(open_app, sign_in) -> None:
    session = sign_in("alice@example.com")
    at = open_app(session=session)
    at.text_area[0].input("a red kite over the sea")
    at = worked(click(at, "Generate"))
    at.text_area[0].input("a second idea, not sent yet").run()
    at.switch_page("pages/credits.py").run()
    at.switch_page("pages/generate.py").run()
    assert at.text_area[0].value == "a second idea, not sent yet"
    reloaded = open_app(session=session)  # a reload is a new session of the same sign-in
    assert "**Done**" in texts(reloaded) and "a red kite over the sea" in texts(reloaded)


def test_at_zero_credits_the_button_is_disabled_and_says_where_credits_come_from(open_app, app_settings) -> None:
    at = open_app()
    user = app_settings.accounts.get(1)
    assert user is not None
    with app_settings.db.uow() as uow:  # spent elsewhere
        assert uow.users.debit_if_covered(user.id, 20)
        uow.commit()
    at.run()
    button = next(b for b in at.button if b.label.startswith("Generate"))
    assert button.disabled
    assert "This needs 1 credit and you have 0 credits." in texts(at)
    assert "Buy credits" in texts(at) or any(link.proto.label == "Buy credits" for link in at.get("page_link"))


def test_several_jobs_run_at_once_up_to_the_limit_each_with_its_own_cancel(open_app, monkeypatch) -> None:
    monkeypatch.setenv("OFFLINE_ENGINE_DELAY_SECONDS", "600")
    monkeypatch.setenv("MAX_JOBS_IN_FLIGHT", "2")
    app_container.cache_clear()
    at = open_app()
    at.text_area[0].input("slow green spirals")
    at = click(at, "Generate")
    assert not next(b for b in at.button if b.label.startswith("Generate")).disabled  # ready for the next prompt
    at.text_area[0].input("slow red squares")
    at = click(at, "Generate")
    assert balance(at) == 18  # one hold per job
    assert texts(at).count("**Queued**") == 2 and len([b for b in at.button if b.label == "Cancel"]) == 2
    assert texts(at).index("slow red squares") < texts(at).index("slow green spirals")  # newest first
    button = next(b for b in at.button if b.label.startswith("Generate"))
    assert button.disabled and "You have 2 jobs running. Wait for one to finish or cancel one." in texts(at)
    at = click(at, "Cancel")  # the newest job's
    assert "**Canceled**" in texts(at) and "Your credits were returned." in texts(at)
    assert balance(at) == 19 and texts(at).count("**Queued**") == 1
    assert not next(b for b in at.button if b.label.startswith("Generate")).disabled


def test_a_double_click_on_the_same_form_makes_one_job(open_app, monkeypatch) -> None:
    monkeypatch.setenv("OFFLINE_ENGINE_DELAY_SECONDS", "600")
    app_container.cache_clear()
    at = open_app()
    at.text_area[0].input("one kite, clicked twice")
    at = click(click(at, "Generate"), "Generate")
    assert texts(at).count("**Queued**") == 1 and balance(at) == 19


def test_the_same_form_clicked_again_after_the_double_click_window_is_a_new_job(open_app, monkeypatch) -> None:
    monkeypatch.setenv("OFFLINE_ENGINE_DELAY_SECONDS", "600")
    monkeypatch.setattr(repeat_press, "DOUBLE_CLICK_SECONDS", 0.0)  # every press comes "later"
    app_container.cache_clear()
    at = open_app()
    at.text_area[0].input("one kite, then another")
    at = click(click(at, "Generate"), "Generate")
    assert texts(at).count("**Queued**") == 2 and balance(at) == 18


def test_an_empty_prompt_is_refused_and_costs_nothing(open_app) -> None:
    at = open_app()
    at = click(at, "Generate")
    assert shown(at.error) == ["Write a prompt first."]
    assert balance(at) == 20


def test_an_instruction_the_offline_engine_cannot_do_lists_what_it_understands(open_app, app_settings) -> None:
    at = open_app()
    at.segmented_control[0].set_value("Edit").run()
    at.get("file_uploader")[0].upload("cat.png", _png(), "image/png").run()
    at.text_area[0].input("paint it like monet")
    at = click(at, "Apply edit")
    assert "monet" in shown(at.error)[0] and "sepia" in shown(at.error)[0]
    assert balance(at) == 20


def credits_page(open_app) -> AppTest:  # type: ignore[no-untyped-def]
    at = open_app()
    return at.switch_page("pages/credits.py").run()


def test_the_credits_page_shows_a_job_as_one_line_with_its_picture_and_the_balance_after(
    open_app, app_settings
) -> None:
    c = app_settings
    user = c.accounts.sign_in_local("alice@example.com").user
    job = settle(
        c, user, c.generation.submit(user, create_form("blue moon", num_images=2), c.generation.new_token()).id
    )
    at = credits_page(open_app)
    assert at.metric[0].value == "18 credits"
    rows = table_rows(at, STATEMENT)
    assert [r.cells[1].splitlines()[0] for r in rows] == ["Generation: charged 2, returned 0", "Grant: Starter credits"]
    assert [r.cells[2] for r in rows] == ["−2", "+20"]  # changes written as balances are
    assert [r.cells[3] for r in rows] == ["18", "20"]  # the top line is the balance above
    assert "“blue moon”" in rows[0].cells[1]  # what the thumbnail shows, as text
    assert rows[0].links == [("Open in gallery", rows[0].links[0][1])] and not rows[1].links
    assert rows[0].links[0][1].endswith(f"/gallery?image={job.images[0].id}")
    ((src, alt),) = rows[0].pictures
    assert "/api/media/" in src and "/thumb?" in src and alt == "The job's first image: blue moon"
    assert not rows[1].pictures
    # On a phone the same lines are cards: the change and the balance after it first, then what and when.
    first, grant = cards(at, STATEMENT)
    assert first.cells[:2] == ["−2 credits", "Balance after 18"]
    assert first.cells[2:6] == ["What", "Generation: charged 2, returned 0", "When", first.cells[5]]
    assert first.links[0][0] == "Open in gallery" and first.pictures[0][1] == alt
    assert grant.cells[:2] == ["+20 credits", "Balance after 20"] and not grant.links


def test_the_credits_page_pages_its_statement_and_the_balance_carries_over(open_app, app_settings) -> None:
    c = app_settings
    user = c.accounts.sign_in_local("alice@example.com").user
    settle(c, user, c.generation.submit(user, create_form(num_images=3), c.generation.new_token()).id)
    c.credits.page_size = 1
    at = credits_page(open_app)
    assert "Page 1 of 2" in texts(at)
    assert [r.cells[3] for r in table_rows(at, STATEMENT)] == ["17"]
    at = click(at, "Older")
    assert "Page 2 of 2" in texts(at)
    assert [r.cells[1] for r in table_rows(at, STATEMENT)] == ["Grant: Starter credits"]
    assert [r.cells[3] for r in table_rows(at, STATEMENT)] == ["20"]


def test_an_empty_credit_statement_says_what_to_do_next(open_app, app_settings) -> None:
    app_settings.accounts.starter_credits = 0
    at = credits_page(open_app)
    assert at.metric[0].value == "0 credits"
    assert "No credit activity yet" in shown(at.info)[0]
    with pytest.raises(AssertionError, match="nothing labelled"):
        table_rows(at, STATEMENT)


def _png() -> bytes:
    from tests.factories import image_bytes

    return image_bytes("PNG")


def test_new_defaults_on_the_account_page_reach_the_generate_page_in_the_same_tab(open_app) -> None:
    at = open_app()
    at.radio(key="generate.count").set_value(3).run()
    at.text_area[0].input("kept across pages").run()
    at.switch_page("pages/account.py").run()
    next(r for r in at.radio if r.label == "Images per request").set_value(2)
    at = click(at, "Save defaults")
    at.switch_page("pages/generate.py").run()
    assert at.radio(key="generate.count").value == 2  # the new default, over the earlier choice
    assert at.text_area[0].value == "kept across pages"  # the prompt is not a setting


def test_the_prompt_and_settings_survive_a_reload_and_a_rerun_that_changes_nothing_writes_nothing(
    open_app, sign_in, app_settings
) -> None:
    from db.repositories.drafts import DraftRepository

    session = sign_in("alice@example.com")
    at = open_app(session=session)
    at.radio(key="generate.count").set_value(3).run()
    at.text_area[0].input("a heron in the reeds, not sent yet").run()

    def saved_at() -> object:
        with app_settings.db.reader() as uow:
            row = uow.of(DraftRepository).get(1)
            return row.updated_at if row else None

    first = saved_at()
    at.run().run()  # nothing changed
    assert saved_at() == first is not None
    reloaded = open_app(session=session)  # a new session of the same sign-in: a reload, a new tab
    assert reloaded.text_area[0].value == "a heron in the reeds, not sent yet"
    assert reloaded.radio(key="generate.count").value == 3
    assert any(b.label == "Generate · 3 credits" for b in reloaded.button)
