"""The walking skeleton in a real browser: sign in, generate, pay, see it in the gallery through private links, and nobody else can.

The tests share one fresh server and run in file order, as one story: Alice's image from the
first test is what the later tests look at.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine, text

from core.signing import MediaSigner
from tests.e2e.server import RunningServer

pytestmark = pytest.mark.e2e

ALICE, BOB = "alice@example.com", "bob@example.com"
# Gallery tiles show the 768 px WebP preview.
SIGNED_TILE = re.compile(r"/api/media/([0-9a-f]{32})/preview\?exp=(\d+)&sig=([0-9a-f]{64})$")
JOB_SECONDS = 20_000  # ms; the offline engine takes 1 s, the rest is slack for a busy machine

# Records every state the results feed shows for the job, so a state that lasts a fraction of a second is not missed.
RECORD_PROGRESS = """() => {
  window.progressSeen = [];
  new MutationObserver(() => {
    for (const line of document.querySelectorAll('[data-testid="stMain"] strong')) window.progressSeen.push(line.innerText);
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}")).to_be_visible()


def credits_in_header(page: Page) -> Locator:
    """The balance: a link to the Credits page in the header bar, on every page."""
    return page.get_by_role("link", name=re.compile(r"^\d+ credits?$"))


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def generate(page: Page, prompt: str) -> None:
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    page.get_by_role("button", name="Generate · 1 credit").click()
    expect(page.get_by_role("button", name=f"Open: {prompt}")).to_be_visible(timeout=JOB_SECONDS)
    expect(page.get_by_text("Charged 1 credit.")).to_be_visible()


def expect_loaded(image: Locator) -> None:
    """The <img> really decoded a picture: the browser fetched it and it has pixels."""
    expect(image).to_be_visible()
    image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def public_ids_of(atelier: RunningServer, email: str) -> list[str]:
    engine = create_engine(atelier.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT i.public_id FROM images i JOIN users u ON u.id = i.user_id WHERE u.email = :e"),
                {"e": email},
            )
            return [row.public_id for row in rows]
    finally:
        engine.dispose()


def fetch(atelier: RunningServer, url: str) -> httpx.Response:
    return httpx.get(url if url.startswith("http") else atelier.url + url, timeout=10)


def test_a_guest_opening_a_page_url_directly_on_a_fresh_server_only_gets_the_sign_in_form(page: Page) -> None:
    for path in ("/gallery", "/credits", "/"):  # "/" is Generate's address (Streamlit's default page)
        page.goto(path)
        expect(page.get_by_role("heading", name="Sign in to Atelier")).to_be_visible()
        expect(credits_in_header(page)).to_have_count(0)
        expect(page.locator('img[src*="/api/media/"]')).to_have_count(0)


def test_a_new_user_signs_in_with_twenty_credits_and_pays_one_for_a_generated_image(page: Page) -> None:
    sign_in(page, ALICE)
    expect(credits_in_header(page)).to_have_accessible_name("20 credits")
    expect(page.get_by_role("heading", name="Generate", exact=True)).to_be_visible()

    page.evaluate(RECORD_PROGRESS)
    generate(page, "a red sun over blue mountains at dusk")

    seen = page.evaluate("window.progressSeen")
    assert any(re.match(r"(Queued|Running)\b", text) for text in seen), f"no queued/running progress was shown: {seen}"
    job_image = page.get_by_test_id("stMain").locator('img[src*="/api/media/"][src*="/preview?"]')
    expect(job_image).to_have_count(1)
    expect_loaded(job_image)
    expect(credits_in_header(page)).to_have_accessible_name("19 credits")


def test_the_gallery_shows_the_image_through_a_signed_link_that_refuses_any_tampering(
    page: Page, atelier: RunningServer
) -> None:
    sign_in(page, ALICE)
    open_page(page, "Gallery")
    thumbnail = page.get_by_test_id("stMain").locator('img[src*="/api/media/"]')
    expect(thumbnail).to_have_count(1)
    expect_loaded(thumbnail)
    src = thumbnail.get_attribute("src") or ""
    match = SIGNED_TILE.search(src)
    assert match, f"the thumbnail is not a signed media URL: {src}"
    public_id, expires, signature = match[1], int(match[2]), match[3]

    ok = fetch(atelier, src)
    assert (ok.status_code, ok.headers["content-type"]) == (200, "image/webp")
    assert ok.content[:4] == b"RIFF" and ok.content[8:12] == b"WEBP"

    path = f"/api/media/{public_id}/preview"
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    refused = {
        "tampered signature": f"{path}?exp={expires}&sig={tampered}",
        "later expiry": f"{path}?exp={expires + 60}&sig={signature}",
        "other variant": f"/api/media/{public_id}/original?exp={expires}&sig={signature}",
        "no query": path,
    }
    now = datetime.now(UTC)
    fresh = MediaSigner(atelier.media_secret, 3600, lambda: now).url(public_id, "preview")
    refused["expired but correctly signed"] = MediaSigner(
        atelier.media_secret, 60, lambda: now - timedelta(hours=2)
    ).url(public_id, "preview")

    assert fetch(atelier, fresh).status_code == 200, "a link minted here with the server's secret should work (control)"
    statuses = {name: fetch(atelier, url).status_code for name, url in refused.items()}
    assert statuses == dict.fromkeys(refused, 403)

    page.get_by_role("button", name="Open: a red sun over blue mountains at dusk", exact=True).click()
    expect(page.get_by_text("a red sun over blue mountains at dusk")).to_be_visible()
    download = page.get_by_role("link", name="Download original").get_attribute("href") or ""
    original = fetch(atelier, download)
    assert original.status_code == 200 and original.headers["content-type"] in ("image/jpeg", "image/png")
    assert original.headers["content-disposition"].startswith("attachment")


def test_another_user_sees_none_of_alices_images_and_her_links_do_not_open_his(
    page: Page, atelier: RunningServer
) -> None:
    alice_ids = public_ids_of(atelier, ALICE)
    assert alice_ids, "the first test should have left Alice with an image"
    sign_in(page, BOB)
    expect(credits_in_header(page)).to_have_accessible_name("20 credits")
    open_page(page, "Gallery")
    expect(page.get_by_text("No images yet. Create your first one on the Generate page.")).to_be_visible()
    srcs = page.locator("img").evaluate_all("imgs => imgs.map(i => i.getAttribute('src') || '')")
    assert not [s for s in srcs if any(f"/api/media/{i}/" in s for i in alice_ids)]

    # Bob makes his own image; his gallery shows it, and a link Alice holds cannot be bent to fetch it.
    open_page(page, "Generate")
    generate(page, "a green forest with a yellow path")
    open_page(page, "Gallery")
    thumbnail = page.get_by_test_id("stMain").locator('img[src*="/api/media/"]')
    expect(thumbnail).to_have_count(1)
    expect_loaded(thumbnail)
    (bob_id,) = public_ids_of(atelier, BOB)
    assert f"/api/media/{bob_id}/preview?" in (thumbnail.get_attribute("src") or "")
    alice_link = MediaSigner(atelier.media_secret, 3600, lambda: datetime.now(UTC)).url(alice_ids[0], "thumb")
    assert fetch(atelier, alice_link).status_code == 200
    assert fetch(atelier, alice_link.replace(f"/api/media/{alice_ids[0]}/", f"/api/media/{bob_id}/")).status_code == 403
