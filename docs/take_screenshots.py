"""Take the README screenshots: a fresh server, a few offline images and an edit, then Generate, Gallery, Billing, the
lightbox, Credits and Account; Generate and Gallery again in the dark theme and on a phone (light and dark);
then, as an admin, the Users page with a credit adjustment and the Audit log; last, the fal engine against the
local fal server: a model's own settings, and Combine with a job in the queue."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python docs/take_screenshots.py` from the project root

from tests.app.test_stored_text_pages import bomb_png  # noqa: E402
from tests.e2e.server import launch_chromium, running_server  # noqa: E402
from tests.fal_server import FalServer, Scenario  # noqa: E402

DOCS = ROOT / "docs"
ADMIN = "admin@example.com"
VIEWPORT = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
OPEN_TILE = re.compile(r"^Open: ")
ALL_IMAGES_LOADED = """() => {
  const images = [];
  const walk = (root) => {
    images.push(...root.querySelectorAll('img'));
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return images.every(i => i.complete && i.naturalWidth > 0);
}"""
# (prompt, aspect ratio, format, seed); the last one is what the Generate screenshot shows.
IMAGES = [
    ("teal waves under an orange sky", "1:1", "PNG", "11"),
    ("a purple and gold city at night", "3:4", "JPEG", "23"),
    ("green forest with yellow light, soft pink clouds", "3:2", "PNG", "5"),
    ("a red sun over deep blue mountains", "16:9", "JPEG", "42"),
]


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(
            Path(data_dir),
            engine_delay_seconds=1.0,
            app_env="development",
            extra_env={"ADMIN_EMAILS": ADMIN},
        ) as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, "alice@example.com")
        for prompt, ratio, fmt, seed in IMAGES:
            generate(page, prompt, ratio, fmt, seed)
        edit(page, 'sepia and add a caption "Harbour"')
        shoot(page, "edit.png")
        page.get_by_role("radiogroup", name="Mode").get_by_text("Create", exact=True).click()
        shoot(page, "generate.png")

        open_page(page, "Gallery")
        expect(page.get_by_role("button", name=OPEN_TILE)).to_have_count(len(IMAGES) + 1)
        shoot(page, "gallery.png")
        page.get_by_role("button", name=OPEN_TILE).nth(1).click()
        expect(page.get_by_role("dialog")).to_be_visible()
        shoot(page, "gallery-detail.png", full=False)
        page.keyboard.press("Escape")
        gallery_shots(page)

        billing_shots(page)
        open_page(page, "Credits")
        expect(page.get_by_test_id("stDataFrame")).to_be_visible()
        shoot(page, "credits.png")

        open_page(page, "Account")
        expect(page.get_by_role("heading", name="Recent sign-ins")).to_be_visible()
        shoot(page, "account.png")

        # The same account in the dark theme and on a phone (the sign-in cookie carries over to new pages).
        for scheme, viewport, suffix in (
            ("dark", VIEWPORT, "dark"),
            ("light", PHONE, "phone"),
            ("dark", PHONE, "phone-dark"),
        ):
            other = page.context.browser.new_context(  # type: ignore[union-attr]
                base_url=server.url, viewport=viewport, color_scheme=scheme, storage_state=page.context.storage_state()
            ).new_page()
            other.set_default_timeout(20_000)
            other.goto("/")
            expect(other.get_by_role("button", name=OPEN_TILE).first).to_be_visible()
            shoot(other, f"generate-{suffix}.png", full=viewport is VIEWPORT)
            other.goto("/gallery")
            expect(other.get_by_role("button", name=OPEN_TILE)).to_have_count(len(IMAGES) + 1)
            shoot(other, f"gallery-{suffix}.png", full=viewport is VIEWPORT)
            if suffix != "phone-dark":
                other.goto("/billing")
                expect(other.get_by_text("Renews on")).to_be_visible()
                shoot(other, "billing-dark.png" if suffix == "dark" else "billing-phone.png", full=suffix == "dark")
            other.context.close()

        page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
        page.set_default_timeout(20_000)
        sign_in(page, ADMIN)
        open_page(page, "Users")
        page.get_by_role("combobox", name=re.compile("Manage a user")).click()
        page.get_by_role("option", name=re.compile("alice@example.com")).click()
        page.get_by_role("spinbutton", name="Amount").fill("10")
        page.get_by_role("textbox", name=re.compile("Reason")).fill("Welcome to the beta")
        page.get_by_role("button", name="Apply adjustment").click()
        expect(page.get_by_text("+10 credits applied.")).to_be_visible()
        shoot(page, "admin-users.png")

        open_page(page, "Audit log")
        expect(page.get_by_test_id("stTable")).to_be_visible()
        shoot(page, "audit-log.png")
        refusal_shots(browser, server.url)
        fal_shots(browser)
        browser.close()


def gallery_shots(page: Page) -> None:
    """A star, a collection, a search with its matches marked, Select with its actions, the download, the table."""
    page.get_by_role("button", name="Add to favourites").nth(1).click()
    settle(page)
    page.get_by_role("button", name=re.compile("^Collections")).click()
    page.get_by_label("New collection").fill("Seaside")
    page.get_by_role("button", name="Create", exact=True).click()
    settle(page)
    page.keyboard.press("Escape")
    page.get_by_role("textbox", name="Search your prompts").fill("sun mount")
    page.get_by_role("textbox", name="Search your prompts").press("Enter")
    expect(page.get_by_text("1 matching")).to_be_visible()
    shoot(page, "gallery-search.png")
    page.get_by_text("Select", exact=True).click()
    settle(page)
    page.get_by_role("button", name=re.compile("^Select all")).click()
    expect(page.get_by_text("1 image selected")).to_be_visible()
    shoot(page, "gallery-select.png")
    page.get_by_text("Select", exact=True).click()
    settle(page)
    page.get_by_role("button", name=re.compile("^Download")).first.click()
    page.get_by_role("button", name="Prepare download").click()
    expect(page.get_by_role("link", name=re.compile("Download ZIP"))).to_be_visible()
    shoot(page, "gallery-download.png", full=False)
    page.keyboard.press("Escape")
    page.goto("/gallery?view=table")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    shoot(page, "gallery-table.png")
    page.goto("/gallery")
    expect(page.get_by_role("button", name=OPEN_TILE)).to_have_count(len(IMAGES) + 1)


def billing_shots(page: Page) -> None:
    """Billing with demo payments: a pack bought (the success message and the order), then the plan, a receipt."""
    open_page(page, "Billing")
    page.get_by_role("button", name="Buy · $5.00").click()
    expect(page.get_by_text("Payment received for Starter pack")).to_be_visible()
    shoot(page, "billing.png")
    page.get_by_role("button", name=re.compile(r"^Subscribe")).click()
    expect(page.get_by_text("Renews on")).to_be_visible()
    page.get_by_role("button", name="View receipt").click()
    expect(page.get_by_role("button", name="Download receipt (HTML)")).to_be_visible()
    shoot(page, "receipt.png")
    page.get_by_role("button", name="Back to billing").click()
    expect(page.get_by_text("Renews on")).to_be_visible()


def refusal_shots(browser: Browser, url: str) -> None:
    """What a person is told instead of a crash: a user at an admin address, and an upload too large to preview."""
    page = browser.new_context(base_url=url, viewport=VIEWPORT).new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "bob@example.com")
    page.goto("/admin_users")
    expect(page.get_by_text("This page is for admins.")).to_be_visible()
    shoot(page, "admin-only.png", full=False)
    page.goto("/")
    page.get_by_role("radiogroup", name="Mode").get_by_text("Edit", exact=True).click()
    settle(page)
    with tempfile.TemporaryDirectory() as folder:
        bomb = Path(folder) / "panorama.png"
        bomb.write_bytes(bomb_png())
        page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(bomb))
        expect(page.get_by_text("30,000 × 30,000 pixels").first).to_be_visible()
    shoot(page, "edit-too-large.png", full=False)
    page.context.close()


def fal_shots(browser: Browser) -> None:
    """The fal engine, against the local fal server: FLUX.2 [pro]'s own settings, and Combine with a job queued."""
    slow = Scenario(queue_positions=[2, 1, 0], progress_logs=[["Loading model"], ["Step 20/28"]], step_seconds=2.0)
    with tempfile.TemporaryDirectory() as data_dir, FalServer() as fal:
        fal.set_default(Scenario(queue_positions=[], progress_logs=[], step_seconds=0.2))
        env = {"IMAGE_ENGINE": "fal", "FAL_KEY": "screenshots", "FAL_QUEUE_URL": fal.queue_url}
        with running_server(Path(data_dir), app_env="development", starter_credits=500, extra_env=env) as server:
            page = browser.new_context(base_url=server.url, viewport=VIEWPORT).new_page()
            page.set_default_timeout(20_000)
            sign_in(page, "alice@example.com")
            for prompt in ("a red fox in fresh snow", "a teal teapot on a table"):
                page.get_by_role("textbox", name="Prompt").fill(prompt)
                page.get_by_role("button", name=re.compile(r"^Generate · ")).click()
                expect(page.get_by_role("button", name=f"Open: {prompt}").first).to_be_visible()
            page.get_by_role("combobox", name="Model").click()
            expect(page.get_by_role("option", name=re.compile(r"FLUX\.2 \[pro\] · from"))).to_be_visible()
            shoot(page, "model-prices.png", full=False)
            page.get_by_role("option", name=re.compile(r"^FLUX\.2 \[pro\] · ")).click()
            settle(page)
            page.get_by_role("button", name=re.compile(r"random seed")).click()
            expect(page.get_by_text("Safety tolerance")).to_be_visible()
            shoot(page, "generate-fal.png", full=False)
            page.keyboard.press("Escape")
            page.get_by_role("radiogroup", name="Mode").get_by_text("Combine", exact=True).click()
            settle(page)
            for n in range(2):
                page.get_by_role("button", name=OPEN_TILE).nth(n).click()
                expect(page.get_by_text(f"#{n + 1}", exact=False).first).to_be_visible()
                settle(page)
            page.get_by_role("textbox", name="Instruction").fill("the fox from image 2 curled up beside the teapot")
            fal.set_default(slow)
            page.get_by_role("button", name=re.compile(r"^Combine · ")).click()
            expect(page.get_by_text("Waiting in the queue").first).to_be_visible()
            shoot(page, "combine.png")


def sign_in(page: Page, email: str) -> None:
    page.goto("/")
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"Signed in as {email}")).to_be_visible()


def open_page(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()


def generate(page: Page, prompt: str, ratio: str, fmt: str, seed: str) -> None:
    """Sets the folded-away settings, then waits for this job's own tiles (they name its prompt)."""
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    open_settings(page)
    page.get_by_role("combobox", name=re.compile("Aspect ratio")).click()
    page.get_by_role("option", name=ratio, exact=True).click()
    open_settings(page)
    page.get_by_role("radiogroup", name="Format").get_by_text(fmt, exact=True).click()
    open_settings(page)
    page.get_by_role("textbox", name="Seed").fill(seed)
    page.get_by_role("textbox", name="Seed").press("Enter")
    page.get_by_role("button", name="Generate · 1 credit").click()
    expect(page.get_by_role("button", name=f"Open: {prompt}").first).to_be_visible()


def open_settings(page: Page) -> None:
    """The settings popover closes when a setting in it reruns the page; open it again if so."""
    settle(page)
    if not page.get_by_role("radiogroup", name="Number of images").is_visible():
        page.get_by_role("button", name=re.compile(r"seed")).click()
    expect(page.get_by_role("radiogroup", name="Number of images")).to_be_visible()


def edit(page: Page, instruction: str) -> None:
    """Edit the latest image: picked from the gallery, then the before/after comparison."""
    page.get_by_role("radiogroup", name="Mode").get_by_text("Edit", exact=True).click()
    settle(page)
    page.get_by_role("radiogroup", name="Image to edit").get_by_text("Pick from my gallery").click()
    settle(page)
    page.get_by_role("button", name=OPEN_TILE).first.click()
    expect(page.get_by_text("Selected", exact=True)).to_be_visible()
    page.get_by_role("textbox", name="Instruction").fill(instruction)
    page.get_by_role("button", name=re.compile("^Apply edit")).click()
    expect(page.get_by_text("After", exact=True)).to_be_visible()


def shoot(page: Page, name: str, *, full: bool = True) -> None:
    """Full page: Streamlit scrolls inside its main section, so grow the viewport to the content first."""
    size = page.viewport_size or VIEWPORT
    page.mouse.move(size["width"] // 2, 5)  # no hover effects (sidebar collapse arrow, image toolbar)
    settle(page)
    if full:
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        settle(page)
    page.screenshot(path=str(DOCS / name), full_page=full)
    page.set_viewport_size(size)
    print(f"wrote docs/{name}")


def settle(page: Page) -> None:
    """No script run in progress and every image decoded, in the custom components' shadow roots too."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden()
    page.wait_for_function(ALL_IMAGES_LOADED)
    page.wait_for_timeout(400)  # let the last layout and fade-in transitions finish before the pixels are taken


if __name__ == "__main__":
    main()
