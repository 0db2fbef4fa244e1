"""The layers import only what they may: a test that fails when a layer reaches where it must not."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR_SDKS = {"fal_client", "stripe", "httpx", "requests", "boto3"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(folder: str, forbidden: set[str], *, except_under: str | None = None) -> dict[str, set[str]]:
    found = {}
    for path in files(folder):
        if except_under and (ROOT / except_under) in path.parents:
            continue
        bad = imported_modules(path) & forbidden
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_core_and_db_never_import_streamlit() -> None:
    assert offenders("core", {"streamlit"}) == {}
    assert offenders("db", {"streamlit", "starlette"}) == {}


def test_only_the_http_routes_in_core_import_starlette() -> None:
    assert offenders("core", {"starlette", "uvicorn"}, except_under="core/web") == {}


def test_pages_do_no_sql_and_call_no_vendor_sdk() -> None:
    assert offenders("pages", {"sqlmodel", "sqlalchemy", "db", "psycopg"} | VENDOR_SDKS) == {}


def test_vendor_sdks_are_imported_only_by_adapters() -> None:
    assert offenders("core", VENDOR_SDKS, except_under="core/adapters") == {}


def test_fal_engine_is_the_only_module_that_imports_fal_client() -> None:
    users = {p for folder in ("app.py", "core", "db", "pages") for p in offenders(folder, {"fal_client"})}
    assert users == {"core/adapters/fal_engine.py"}


def test_db_does_not_depend_on_services_or_pages() -> None:
    found = {}
    for path in files("db"):
        modules = {m for m in _full_modules(path) if m.startswith(("core.services", "core.adapters", "pages"))}
        if modules:
            found[str(path.relative_to(ROOT))] = modules
    assert found == {}


ADMIN_PAGES = {"admin_users.py", "admin_audit.py"}


def test_every_page_starts_with_the_access_guard_and_admin_pages_ask_for_the_admin_role() -> None:
    """A freshly started server can run a pages/*.py file without app.py: the guard must come first."""
    guards = {}
    for path in (ROOT / "pages").glob("*.py"):
        if path.name == "__init__.py":
            continue
        body = [
            n for n in ast.parse(path.read_text()).body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Expr))
        ]
        first = body[0]
        assert isinstance(first, ast.Assign), path.name
        guards[path.name] = ast.unparse(first.value)
    expected = {name: "require_user(Role.ADMIN)" for name in ADMIN_PAGES}
    assert {n: g for n, g in guards.items() if n in ADMIN_PAGES} == expected
    assert {g for n, g in guards.items() if n not in ADMIN_PAGES} <= {"require_user()", "require_session()"}
    assert set(guards) >= ADMIN_PAGES | {"account.py", "generate.py", "gallery.py", "credits.py"}


def _full_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_each_payment_sdk_is_imported_by_its_own_adapter_only() -> None:
    stripe_users = {p for folder in ("app.py", "core", "db", "pages") for p in offenders(folder, {"stripe"})}
    assert stripe_users == {"core/adapters/stripe_payments.py"}
    httpx_users = {p for folder in ("app.py", "core", "db", "pages") for p in offenders(folder, {"httpx"})}
    assert httpx_users == {"core/adapters/creem_payments.py", "core/adapters/fal_engine.py"}
