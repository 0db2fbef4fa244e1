"""Benchmark: a Stripe webhook answered and fulfilled, against the same HTTP round trip to a route that does nothing.

Both go over real HTTP to one uvicorn server in this process (the payment webhook routes, plus a no-op POST
route), posted by httpx with a keep-alive connection, interleaved. Fulfilled: a fresh pending order each time, and
its signed `checkout.session.completed` (signed with `stripe.WebhookSignature`, verified by the real library):
signature check, event recorded once, order locked and marked paid, credits granted, audit row, commit. Also: the
same event replayed (a duplicate, answered without acting). The issue's target is an answer within a second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

import httpx  # noqa: E402
import stripe  # noqa: E402
import uvicorn  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from bench.common import median, migrated_database, postgres_admin_url, postgres_reachable, print_table, serve_routes  # noqa: E402
from core.bootstrap import Container  # noqa: E402
from core.web.payment_webhooks import payment_webhook_routes  # noqa: E402
from tests.billing_support import pending_order  # noqa: E402
from tests.ci import in_ci  # noqa: E402
from tests.factories import make_container, sign_up  # noqa: E402
from tests.payment_support import STRIPE_KEY  # noqa: E402

SECRET = "whsec_bench"


def event(order: str, n: int) -> bytes:
    session = {
        "id": f"cs_bench_{order}",
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "client_reference_id": order,
        "metadata": {"order": order, "offer": "pack-starter"},
        "payment_intent": f"pi_bench_{order}",
        "amount_total": 500,
        "currency": "usd",
    }
    envelope = {
        "id": f"evt_bench_{order}_{n}",
        "object": "event",
        "type": "checkout.session.completed",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": session},
    }
    return json.dumps(envelope).encode()


def serve(c: Container) -> tuple[uvicorn.Server, str]:
    async def nothing(request: Request) -> PlainTextResponse:
        await request.body()
        return PlainTextResponse("ok")

    return serve_routes([*payment_webhook_routes(lambda: c), Route("/noop", nothing, methods=["POST"])])


def measure(kind: str, rounds: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp, migrated_database(kind, Path(tmp)) as url:
        c = make_container(
            Path(tmp),
            url,
            payment_providers="stripe",
            stripe_secret_key=STRIPE_KEY,
            stripe_webhook_secret=SECRET,
            stripe_api_base="http://127.0.0.1:9",
        )
        user = sign_up(c)
        server, base = serve(c)
        fulfilled, replayed, reference = [], [], []
        try:
            with httpx.Client(base_url=base) as http:
                for n in range(rounds + 5):
                    order = pending_order(c, user, "stripe", checkout=f"cs_bench_x{n}")
                    body = event(order, n)
                    header = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
                    headers = {"stripe-signature": header, "content-type": "application/json"}
                    start = time.perf_counter_ns()
                    answer = http.post("/api/webhooks/stripe", content=body, headers=headers)
                    took = (time.perf_counter_ns() - start) / 1e6
                    assert answer.text == "applied", answer.text
                    start = time.perf_counter_ns()
                    again = http.post("/api/webhooks/stripe", content=body, headers=headers)
                    replay = (time.perf_counter_ns() - start) / 1e6
                    assert again.text == "duplicate", again.text
                    start = time.perf_counter_ns()
                    http.post("/noop", content=body, headers=headers)
                    noop = (time.perf_counter_ns() - start) / 1e6
                    if n >= 5:  # warm-up
                        fulfilled.append(took)
                        replayed.append(replay)
                        reference.append(noop)
            assert c.credits.balance(user) == 20 + 1000 * (rounds + 5)
        finally:
            server.should_exit = True
            c.db.engine.dispose()
    worst = max(fulfilled)
    ref = median(reference)
    return [
        "SQLite" if kind == "sqlite" else "PostgreSQL",
        f"{median(fulfilled):.1f}",
        f"{sorted(fulfilled)[int(0.95 * len(fulfilled)) - 1]:.1f} / {worst:.1f}",
        f"{median(replayed):.1f}",
        f"{ref:.2f}",
        f"{median(fulfilled) / ref:.1f}×",
        "yes" if worst < 1000 else "NO",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    kinds = ["sqlite"]
    if postgres_reachable(postgres_admin_url()):
        kinds.append("postgresql")
    elif in_ci():
        raise SystemExit("PostgreSQL is required in CI")
    rows = [measure(kind, args.rounds) for kind in kinds]
    print(f"Stripe webhook fulfilment over HTTP, {args.rounds} events per database (after 5 warm-up)")
    print_table(
        ["database", "fulfilled median ms", "p95 / max ms", "replay median ms", "no-op route ms", "ratio", "< 1 s"],
        rows,
    )


if __name__ == "__main__":
    main()
