"""The privacy centre's "Download everything" section through AppTest, run on its own (the other sections of
the page are built separately): what it holds and the size to expect, then one button that makes the signed
link, recording the access request once, and a link to the ZIP that the export route serves."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from core.bootstrap import Container
from core.services.privacy_export import PrivacyExportService
from core.web.privacy_export_routes import privacy_export_routes
from db.repositories.privacy_requests import PrivacyRequestRepository
from pages.components.guard import LOCAL_KEY
from tests.export_support import unzip
from tests.factories import create_form, settle


def section() -> None:
    from pages.components import privacy_export
    from pages.components.guard import require_session

    privacy_export.render(require_session().user)


def open_section(session: str) -> AppTest:
    at = AppTest.from_function(section, default_timeout=30)
    at.session_state[LOCAL_KEY] = session
    return at.run()


def link_buttons(at: AppTest) -> list[tuple[str, str]]:
    return [(e.proto.label, e.proto.url) for e in at.get("link_button")]


def requests(c: Container, user_id: int) -> list[str]:
    with c.db.reader() as uow:
        return [r.kind for r in uow.of(PrivacyRequestRepository).for_user(user_id)]


def test_the_section_says_what_the_zip_holds_and_its_size_and_makes_a_working_link_on_one_click(
    app_settings: Container, sign_in: Callable[[str], str]
) -> None:
    c = app_settings
    session = sign_in("alice@example.com")
    user = c.accounts.resume_local(session).user
    settle(c, user, c.generation.submit(user, create_form("a lantern", num_images=2), c.generation.new_token()).id)
    at = open_section(session)

    assert [s.value for s in at.subheader] == ["Download everything"]
    assert any("consents, sign-ins and privacy requests" in m.value for m in at.markdown)
    assert at.caption[0].value.startswith("1 generation and 2 images: about ")
    assert link_buttons(at) == [] and requests(c, user.id) == []  # nothing is signed or recorded before the click

    at.button(key="privacy.export.prepare").click().run()
    [(label, url)] = link_buttons(at)
    assert label == "Download everything" and "/api/exports/everything.zip?" in url
    assert requests(c, user.id) == ["access"]
    at.run()  # a rerun keeps the same link and records nothing more
    assert link_buttons(at) == [(label, url)] and requests(c, user.id) == ["access"]

    parts = urlsplit(url)
    client = TestClient(Starlette(routes=privacy_export_routes(lambda: c)))
    archive = unzip(client.get(f"{parts.path}?{parts.query}").content)
    assert "profile.json" in archive.namelist() and b"a lantern" in archive.read("generations.json")
    assert c.of(PrivacyExportService).summary(user).image_count == 2
