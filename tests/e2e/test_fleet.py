"""Two web replicas and two workers behind HAProxy (sticky sessions), on PostgreSQL, moto S3 and the local fal
server (tests/fleet.py): a person generates through the load balancer; a job whose replica and worker die by SIGKILL
still finishes, sent to fal once; a payment webhook delivered to both replicas grants once; and the ledger still
balances for everyone afterwards."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from core.bootstrap import Container
from db.tables import User
from tests.billing_support import assert_billing_balances
from tests.ci import in_ci
from tests.e2e.test_fal_generate import NATURAL_WIDTH
from tests.e2e.test_studio import SIZES, sign_in
from tests.factories import make_container, sign_up
from tests.fal_server import Scenario
from tests.fleet import HAPROXY, Fleet, jobs_by_prompt, running_fleet
from tests.payment_support import APP, CATALOGUE, STRIPE_KEY, prepare_stripe
from tests.stripe_server import StripeServer
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

JOB_MS = 20_000
STARTER = 500
PRICE = 40  # FLUX.1 Kontext [pro], the default model
PACK = 1000  # pack-starter in tests/data/billing.toml


@pytest.fixture(scope="module")
def stripe(stripe_server: StripeServer) -> StripeServer:
    return prepare_stripe(stripe_server)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory, stripe: StripeServer) -> Iterator[Fleet]:
    if not Path(HAPROXY).exists():  # as the browser tests do without Chromium: skipped locally, a failure in CI
        message = f"{HAPROXY} is missing (apt-get install -y haproxy)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    payments = {
        "PAYMENT_PROVIDERS": "stripe",
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": stripe.webhook_secret,
        "STRIPE_API_BASE": stripe.url,
        "BILLING_CATALOGUE_FILE": str(CATALOGUE),
        "STARTER_CREDITS": str(STARTER),
    }
    with running_fleet(tmp_path_factory.mktemp("fleet"), extra_env=payments) as fleet:
        yield fleet


@pytest.fixture(scope="module")
def container(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory, stripe: StripeServer) -> Iterator[Container]:
    """The app's services in this process, over the fleet's database: to start a checkout and read the ledger."""
    c = make_container(
        tmp_path_factory.mktemp("fleet-reader"),
        fleet.database_url,
        worker_in_process=False,
        starter_credits=STARTER,
        payment_providers="stripe",
        stripe_secret_key=STRIPE_KEY,
        stripe_webhook_secret=stripe.webhook_secret,
        stripe_api_base=stripe.url,
        billing_catalogue_file=CATALOGUE,
    )
    yield c
    c.db.engine.dispose()


@pytest.fixture
def pages(browser: Browser, fleet: Fleet) -> Iterator[list[BrowserContext]]:
    contexts: list[BrowserContext] = []
    yield contexts
    for context in contexts:
        context.close()


def new_page(browser: Browser, fleet: Fleet, contexts: list[BrowserContext], replica: str | None = None) -> Page:
    """A browser through HAProxy; `replica` pins it there, as HAProxy's own SRV cookie would have."""
    context = browser.new_context(base_url=fleet.url, viewport=SIZES["desktop"])
    context.set_default_timeout(15_000)
    contexts.append(context)
    if replica is not None:
        context.add_cookies([{"name": "SRV", "value": replica, "url": fleet.url}])
    return context.new_page()


def generate(page: Page, prompt: str) -> None:
    page.get_by_role("textbox", name="Prompt").fill(prompt)
    generate = page.get_by_role("button", name=f"Generate · {PRICE} credits")
    expect(generate).to_be_enabled()
    generate.click()


def expect_image(page: Page, prompt: str) -> None:
    """The image replaced its placeholder in the feed and decoded."""
    expect(page.get_by_role("button", name=f"Open: {prompt}", exact=True)).to_be_visible(timeout=JOB_MS)
    width = page.wait_for_function(NATURAL_WIDTH, arg=prompt, timeout=JOB_MS).json_value()
    assert isinstance(width, int) and width > 0, width


def job(fleet: Fleet, prompt: str) -> tuple[str, str | None] | None:
    """(status, fal request id) of the job with this prompt, once it exists."""
    return jobs_by_prompt(fleet.database_url, [prompt]).get(prompt)


def fal_prompts(fleet: Fleet) -> list[object]:
    return [r.json.get("prompt") if isinstance(r.json, dict) else None for r in fleet.fal.submits()]


def test_a_person_generates_through_the_load_balancer(browser: Browser, fleet: Fleet, pages: list) -> None:
    page = new_page(browser, fleet, pages)
    prompt = "a paper boat on a puddle, through the load balancer"
    sign_in(page, "lb@example.com")
    generate(page, prompt)
    expect_image(page, prompt)
    expect(page.get_by_text(f"Charged {PRICE} credits.", exact=True)).to_be_visible()
    assert fal_prompts(fleet).count(prompt) == 1


def test_a_webhook_delivered_to_both_replicas_grants_once(
    fleet: Fleet, container: Container, stripe: StripeServer
) -> None:
    buyer = sign_up(container, "buyer@example.com")
    outcome = container.billing.buy(buyer, "pack-starter", "stripe", APP)
    assert outcome.ok, outcome
    stripe.complete(outcome.redirect.rsplit("/", 1)[1])  # no webhook_url: the events are only recorded
    (event,) = stripe.events_of("checkout.session.completed")

    def deliver(url: str) -> int:
        body, headers = stripe.signed(event)
        return httpx.post(f"{url}/api/webhooks/stripe", content=body, headers=headers, timeout=30).status_code

    urls = [replica.url for replica in fleet.replicas] * 2  # each replica twice, all at once
    with ThreadPoolExecutor(len(urls)) as pool:
        statuses = list(pool.map(deliver, urls))
    assert statuses == [200] * len(urls), statuses
    assert container.accounts.get(buyer.id).balance == STARTER + PACK  # type: ignore[union-attr]


# Replica a is killed on purpose with the page open on it: a part of the page still loading then (a widget's script,
# fetched when first drawn) fails to arrive (seen once in a clean CI run).
@pytest.mark.console_errors_expected(r"Failed to fetch dynamically imported module")
def test_a_job_finishes_after_its_replica_and_worker_are_killed(browser: Browser, fleet: Fleet, pages: list) -> None:
    # Slow enough at fal to kill the fleet's half under it: queued for 1 s, running for 3 s.
    fleet.fal.script(
        Scenario(queue_positions=[0], progress_logs=[["Loading"], ["Step 1"], ["Step 2"]], step_seconds=1.0)
    )
    page = new_page(browser, fleet, pages, replica="a")
    prompt = "a lantern in the snow, sent once"
    sign_in(page, "pinned@example.com")
    other = fleet.member("worker-b").process
    other.send_signal(signal.SIGSTOP)  # so worker-a, the one about to die, is the one that sends the job
    try:
        generate(page, prompt)
        wait_until(
            lambda: (job(fleet, prompt) or ("", None))[1],
            timeout=20,
            what=lambda: f"fal took the job: {job(fleet, prompt)}",
        )
        fleet.kill("a")
        fleet.kill("worker-a")
    finally:
        other.send_signal(signal.SIGCONT)
    assert job(fleet, prompt) is not None and job(fleet, prompt)[0] in ("queued", "running")  # type: ignore[index]

    # worker-b takes the job up once worker-a's lease runs out; the browser, its replica gone, is sent to b.
    wait_until(
        lambda: job(fleet, prompt)[0] == "succeeded",
        timeout=30,
        what=lambda: f"the job ended: {job(fleet, prompt)}\n{fleet.logs()}",
    )  # type: ignore[index]
    assert fal_prompts(fleet).count(prompt) == 1
    page.reload()
    expect_image(page, prompt)


def test_the_ledger_balances_for_everyone_afterwards(fleet: Fleet, container: Container) -> None:
    with container.db.reader() as uow:
        users = uow.session.exec(select(User)).all()
    assert len(users) >= 3
    for user in users:
        assert_billing_balances(container, user)  # type: ignore[arg-type]
