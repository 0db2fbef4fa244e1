"""The billing tests' set-up: containers paying through the local Stripe and Creem servers, and the webhook
routes served over real HTTP (uvicorn in a thread) or through Starlette's TestClient."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.bootstrap import Container
from core.domain import UserView
from core.web.payment_webhooks import payment_webhook_routes
from tests.creem_server import CreemServer
from tests.factories import refreshed, sign_up
from tests.stripe_server import StripeServer
from tests.waiting import wait_until

CATALOGUE = Path(__file__).parent / "data" / "billing.toml"
STRIPE_KEY, CREEM_KEY = "sk_test_local", "creem_test_local"
APP = "http://127.0.0.1:8501"  # the address the buyer's browser uses, as the Billing page would pass it
CREEM_PRODUCTS = {  # as the test catalogue sells them
    "prod_starter": (500, False),
    "prod_creator": (1000, False),
    "prod_monthly": (1000, True),
}


def payment_settings(stripe: StripeServer | None, creem: CreemServer | None) -> dict[str, object]:
    """Settings overrides for a container that pays through the local servers given."""
    names, values = [], {"billing_catalogue_file": CATALOGUE}
    if stripe is not None:
        names.append("stripe")
        values |= {
            "stripe_secret_key": STRIPE_KEY,
            "stripe_webhook_secret": stripe.webhook_secret,
            "stripe_api_base": stripe.url,
        }
    if creem is not None:
        names.append("creem")
        values |= {
            "creem_api_key": creem.api_key,
            "creem_webhook_secret": creem.webhook_secret,
            "creem_api_base": creem.url,
        }
    return {"payment_providers": ",".join(names), **values}


def prepare_creem(server: CreemServer) -> CreemServer:
    server.reset()
    for product, (amount, recurring) in CREEM_PRODUCTS.items():
        server.add_product(product, amount=amount, currency="USD", recurring=recurring)
    return server


def prepare_stripe(server: StripeServer) -> StripeServer:
    server.reset()
    server.add_price("price_monthly", unit_amount=1000, currency="usd", recurring=True)
    return server


def webhook_client(c: Container) -> TestClient:
    return TestClient(Starlette(routes=payment_webhook_routes(lambda: c)))


@contextlib.contextmanager
def serving_webhooks(container: Callable[[], Container]) -> Iterator[str]:
    """The payment webhook routes on a real HTTP server on 127.0.0.1; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = Starlette(routes=payment_webhook_routes(container))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="webhooks", daemon=True)
    thread.start()
    wait_until(lambda: server.started, what="the webhook server started")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@dataclass
class Shop:
    """A container paying through one local provider server (Stripe's or Creem's), and a signed-up buyer."""

    c: Container
    server: Any  # StripeServer | CreemServer: both serve a checkout page at /pay/<id>
    provider: str
    user: UserView

    def balance(self, user: UserView | None = None) -> int:
        return refreshed(self.c, user or self.user).balance

    def buy(self, offer: str = "pack-starter", user: UserView | None = None) -> str:
        """Start a checkout; return the provider's checkout id the buyer was sent to."""
        outcome = self.c.billing.buy(user or self.user, offer, self.provider, APP)
        assert outcome.ok and outcome.redirect.startswith(self.server.url + "/pay/"), outcome
        return str(outcome.redirect.rsplit("/", 1)[1])

    def pay(self, checkout: str) -> dict[str, list[str]]:
        """The buyer presses Pay on the provider's page; returns the query they are sent back to Billing with."""
        answer = httpx.post(f"{self.server.url}/pay/{checkout}", data={"action": "pay"}, follow_redirects=False)
        assert answer.status_code == 303
        back = urlsplit(answer.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == f"{APP}/billing"
        return parse_qs(back.query)


@contextlib.contextmanager
def open_shop(c: Container, server: Any, provider: str) -> Iterator[Shop]:
    """A Shop whose provider server delivers its webhooks over real HTTP to the app's webhook route."""
    with serving_webhooks(lambda: c) as url:
        server.webhook_url = f"{url}/api/webhooks/{provider}"
        try:
            yield Shop(c, server, provider, sign_up(c))
        finally:
            server.webhook_url = None
