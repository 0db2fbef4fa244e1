"""The privacy centre end to end, in a real browser, as one story: choose consents and see their history, download
everything, restrict processing and be refused at Generate with the reason, ask to delete the account, sign in
again during the grace period and keep it, then delete it for good: the account is gone, its receipt names no
one, and signing in again starts a new, empty account."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.seed import sign_in_by_cookie
from tests.e2e.server import RunningServer
from tests.e2e.test_walking_skeleton import JOB_SECONDS, generate, open_page, sign_in
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

EMAIL = "priya.privacy@example.com"
PROMPT = "a quiet harbour at dawn"
VIEWPORT = {"width": 1366, "height": 900}


def new_page(browser: Browser, atelier: RunningServer) -> Page:
    context = browser.new_context(base_url=atelier.url, viewport=VIEWPORT)
    context.set_default_timeout(JOB_SECONDS)
    return context.new_page()


def open_privacy(page: Page) -> None:
    page.goto("/privacy")
    expect(page.get_by_role("heading", name="Privacy", exact=True)).to_be_visible()


def erasure_state(atelier: RunningServer, reference: str) -> str:
    engine = create_engine(atelier.database_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT status FROM erasures WHERE reference = :r"), {"r": reference}).scalar()
    finally:
        engine.dispose()
    return str(found)


def end_the_grace_period(atelier: RunningServer, reference: str) -> None:
    """Seven days pass: the erasure's date is moved to a minute ago, as its clock would reach it."""
    engine = create_engine(atelier.database_url)
    try:
        with engine.begin() as conn:
            past = datetime.now(UTC) - timedelta(minutes=1)
            conn.execute(text("UPDATE erasures SET erase_after = :t WHERE reference = :r"), {"t": past, "r": reference})
    finally:
        engine.dispose()


def ask_to_delete(page: Page) -> str:
    """Confirm with the address; the reference the page then shows."""
    page.get_by_role("textbox", name="Type your account's email address to confirm").fill(EMAIL)
    page.get_by_role("button", name="Delete my account").click()
    notice = page.get_by_text("Its reference is")
    expect(notice).to_be_visible()
    return notice.inner_text().rsplit("Its reference is", 1)[1].strip(" .*")


def test_consents_download_restriction_and_erasure_with_a_change_of_mind(
    browser: Browser, atelier: RunningServer
) -> None:
    page = new_page(browser, atelier)
    sign_in_by_cookie(page.context, atelier, EMAIL)  # the first sign-in is not the story: the later ones are
    page.goto("/")
    generate(page, PROMPT)

    open_privacy(page)
    page.get_by_text("Use my images to train models", exact=True).click()
    expect(page.get_by_text("Saved: Use my images to train models is on.")).to_be_visible()
    page.get_by_text("History of your choices").click()
    history = page.get_by_test_id("stExpander").get_by_role("gridcell", include_hidden=True)  # read by screen readers
    expect(history.filter(has_text="Use my images to train models")).to_have_count(1)

    page.get_by_role("button", name="Prepare my download").click()
    link = page.get_by_role("link", name="Download everything")
    expect(link).to_be_visible()
    href = str(link.get_attribute("href"))
    download = httpx.get(href if "://" in href else atelier.url + href, timeout=60)
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    assert {"README.txt", "profile.json", "generations.json", "consents.csv", "privacy_requests.csv"} <= set(names)
    assert any(name.startswith("images/") for name in names)
    assert json.loads(archive.read("profile.json"))["account"]["email"] == EMAIL
    assert "training" in archive.read("consents.csv").decode()

    page.get_by_text("Restrict processing", exact=True).click()
    expect(page.get_by_text("Saved: processing is restricted.")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("Processing of your data is restricted at your request.")).to_be_visible()
    expect(page.get_by_role("button", name="Generate · 1 credit")).to_be_disabled()

    open_privacy(page)
    reference = ask_to_delete(page)
    assert erasure_state(atelier, reference) == "scheduled"

    # During the grace period, signing in (here, another browser) offers to keep the account, on every page.
    again = new_page(browser, atelier)
    sign_in(again, EMAIL)
    expect(again.get_by_text("Your account is scheduled for deletion on")).to_be_visible()
    again.get_by_role("button", name="Keep my account").click()
    expect(again.get_by_text("Your account is scheduled for deletion on")).to_have_count(0)
    assert erasure_state(atelier, reference) == "canceled"

    # Then for good: the grace period ends and the background loop erases the account.
    open_privacy(again)
    reference = ask_to_delete(again)
    end_the_grace_period(atelier, reference)
    wait_until(lambda: erasure_state(atelier, reference) == "finished", timeout=60, what="the erasure to finish")
    again.reload()
    expect(again.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()

    receipt = httpx.get(f"{atelier.url}/privacy/receipt/{reference}", timeout=30)
    assert receipt.status_code == 200 and receipt.json()["status"] == "finished"
    assert EMAIL not in receipt.text and PROMPT not in receipt.text

    fresh = new_page(browser, atelier)
    sign_in(fresh, EMAIL)
    open_page(fresh, "Gallery")  # by the menu: an address typed at once could beat the sign-in's cookie
    expect(fresh.get_by_text("No images yet. Create your first one on the Generate page.")).to_be_visible()
    open_page(fresh, "Privacy")
    expect(fresh.get_by_text("Restrict processing", exact=True)).to_be_visible()
    expect(fresh.get_by_text("Your account is scheduled for deletion on")).to_have_count(0)
