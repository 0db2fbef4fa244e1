"""Tables that become cards on a phone (issue 22): the same rows as cards, with what a person looks for first;
and models named for people in the gallery, even those no engine offers any more."""

from __future__ import annotations

from core.bootstrap import Container
from core.model_names import model_name
from tests.app.fake_user import claims
from tests.app.shown_html import cards
from tests.app.test_billing_page import billing, press, user_of
from tests.app.test_gallery import gallery
from tests.app.test_gallery_filters import seeded
from tests.markdown import unescape

ORDERS = "Your orders, newest first"


def test_an_order_card_shows_its_status_credits_amount_and_receipt_first(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    at = press(billing(open_app), "Buy · $10.00")  # the Creator pack: 2,500 credits
    [order] = cards(at, ORDERS)
    assert order.cells[:2] == ["Paid", "Credits +2,500"]
    assert order.cells[2:4] == ["Amount", "$10.00"]
    [(text, href)] = order.links
    public_id = app_settings.billing.orders(user_of(app_settings), None).items[0].public_id
    assert text == "View receipt" and href.endswith(f"/billing?receipt={public_id}")
    assert at.dataframe[0].value["Status"].tolist() == ["Paid"]  # the wide screen's table has the same row


def test_the_gallery_table_view_has_a_card_per_image_with_its_picture_and_a_link_to_open_it(
    open_app, app_settings: Container
) -> None:  # type: ignore[no-untyped-def]
    _, _, _, made = seeded(open_app, app_settings)
    at = gallery(open_app, view="table", q="dog")
    shown = cards(at, "Your images on this page, one row each")
    assert [c.cells[0] for c in shown] == ["a dog on the beach", "three cats and a dog"]
    first = shown[0]
    assert first.pictures[0][1] == "a dog on the beach"
    assert first.links == [("Open", first.links[0][1])]
    assert first.links[0][1].endswith(f"/gallery?q=dog&view=table&image={made['dog']}")
    assert "Model" in first.cells and "Offline pattern engine (not AI)" in first.cells


def test_admin_users_are_cards_led_by_their_email_and_role(oidc_app) -> None:  # type: ignore[no-untyped-def]
    oidc_app(claims("bob-sub", "bob@example.com", name="Bob Builder"))
    at, _ = oidc_app(claims("admin-sub", "admin@example.com", name="Ada Admin"), script="pages/admin_users.py")
    shown = {c.cells[0]: c for c in cards(at, "Users on this page")}
    assert shown["bob@example.com"].cells[1] == "User"
    assert shown["admin@example.com"].cells[1] == "Admin"
    bob = shown["bob@example.com"].cells
    assert bob[bob.index("Balance") + 1] == "20 credits"


def test_a_model_no_engine_offers_any_more_keeps_a_readable_name(app_settings: Container) -> None:
    label = app_settings.generation.model_label  # the offline engine: no fal model in its catalogue
    assert label("offline-draw") == "Offline pattern engine (not AI)"
    assert label("kontext-pro-edit") == "FLUX.1 Kontext [pro] · edit"  # from the shipped fal catalogue
    assert label("flux9-ultra_fast") == "Flux9 ultra fast"  # never heard of: its id, readable
    assert model_name("fal-ai/some/new-model") == "Some new model"


def test_the_gallerys_model_filter_names_a_model_that_left_the_catalogue(open_app, app_settings: Container) -> None:  # type: ignore[no-untyped-def]
    seeded(open_app, app_settings)
    at = gallery(open_app, model="kontext-max")
    assert at.multiselect(key="gallery.filter.models").value == ["kontext-max"]
    assert "FLUX.1 Kontext [max]" in at.multiselect(key="gallery.filter.models").options


def test_audit_entries_are_cards_led_by_the_action_and_its_time(oidc_app) -> None:  # type: ignore[no-untyped-def]
    oidc_app(claims("bob-sub", "bob@example.com", name="Bob Builder"))
    admin = claims("admin-sub", "admin@example.com", name="Ada Admin")
    oidc_app(admin, script="pages/admin_users.py")  # the first list of users is itself audited
    log, _ = oidc_app(admin, script="pages/admin_audit.py")
    shown = cards(log, "Audit log entries, newest first")
    assert [c.cells[0] for c in shown] == [unescape(a) for a in log.table[0].value["Action"]]
    newest = shown[0].cells
    assert newest[1].endswith(" UTC") and newest[newest.index("Actor") + 1] == "admin@example.com"
