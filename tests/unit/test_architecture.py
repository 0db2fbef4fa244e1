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


def test_boto3_is_imported_by_the_s3_store_only() -> None:
    users = {p for folder in ("app.py", "core", "db", "pages") for p in offenders(folder, {"boto3", "botocore"})}
    assert users == {"core/adapters/s3_blobs.py"}


def test_db_does_not_depend_on_services_or_pages() -> None:
    found = {}
    for path in files("db"):
        modules = {m for m in _full_modules(path) if m.startswith(("core.services", "core.adapters", "pages"))}
        if modules:
            found[str(path.relative_to(ROOT))] = modules
    assert found == {}


ADMIN_PAGES = {
    "admin_users.py",
    "admin_audit.py",
    "admin_privacy.py",
    "admin_reviews.py",
    "admin_policies.py",
    "admin_retention.py",
    "admin_outbox.py",
    "admin_presets.py",
}
TEAM_PAGES = {"lab.py"}  # the prompt lab: the team's, and admins'


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
    assert {n: g for n, g in guards.items() if n in TEAM_PAGES} == dict.fromkeys(TEAM_PAGES, "require_user(Role.TEAM)")
    others = {g for n, g in guards.items() if n not in ADMIN_PAGES | TEAM_PAGES}
    assert others <= {"require_user()", "require_session()"}
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


def test_services_never_import_sqlalchemy_and_never_reach_into_the_session() -> None:
    """Repositories own the SQL and translate a duplicate key into DuplicateKeyError; services speak only to them."""
    assert offenders("core/services", {"sqlalchemy", "sqlmodel", "psycopg"}) == {}
    reaching = {
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in files("core/services")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "session"
    }
    assert reaching == set()


def test_a_migration_never_imports_live_code() -> None:
    """A migration must do tomorrow what it did today, so it keeps frozen copies of any rule it applies."""
    live = {"core", "db", "pages", "app", "tests", "bench"}
    found = {str(p.relative_to(ROOT)): imported_modules(p) & live for p in files("db/migrations/versions")}
    assert {name: modules for name, modules in found.items() if modules} == {}


def test_routes_and_the_background_loop_read_the_registry_and_name_no_capability() -> None:
    """A new capability registers itself in core/capabilities/; core/web/routes.py and lifespan.py stay as they are."""
    for hub in ("core/web/routes.py", "core/web/lifespan.py"):
        named = {
            m for m in _full_modules(ROOT / hub) if m.startswith(("core.web.", "core.services", "core.capabilities"))
        }
        assert named == set(), hub


def test_every_http_route_a_web_module_defines_is_registered_by_a_capability() -> None:
    from core.registry import route_factories

    defined = {
        f"{path.stem}.{node.name}"
        for path in files("core/web")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_routes") and node.name != "all_routes"
    }
    registered = {f"{f.__module__.rsplit('.', 1)[-1]}.{f.__name__}" for f in route_factories()}
    assert defined == registered


def test_each_view_module_sits_beside_the_service_that_makes_its_read_models() -> None:
    views = [p for p in files("core/services") if p.stem.endswith("_views")]
    assert views, "read models are built in core/services/<capability>_views.py"
    for path in views:
        capability = path.stem.removesuffix("_views")
        assert {f"{capability}.py", f"{capability}s.py"} & {p.name for p in path.parent.iterdir()}, path.name


def test_the_house_has_no_import_cycles() -> None:
    """Imports between the app's own modules form no cycle (a cycle ties two capabilities' fates)."""
    graph: dict[str, set[str]] = {}
    sources = [ROOT / "app.py", *files("core"), *files("db"), *files("pages")]
    names = {_module_name(p) for p in sources}
    for path in sources:
        graph[_module_name(path)] = _imports(path, names) & names
    assert _cycles(graph) == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every import, inside functions too (a deferred import hides a cycle; it does not remove it).
    `from package import submodule` needs the submodule, not the package's own names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(node.module)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


JOB_MOVERS = {"advance", "reconcile", "claim", "work", "_step"}  # JobRunner methods that move a job


def test_no_page_or_route_advances_a_job_only_the_worker_does() -> None:
    """Pages and HTTP routes insert jobs, read them, cancel and wake them; sending, asking the engine and collecting
    belong to the worker (core/worker/), so a page never waits on an engine and a tab costs one read per tick."""
    callers = {}
    for path in [*files("pages"), ROOT / "app.py", *files("core/web")]:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in JOB_MOVERS:
                callers.setdefault(str(path.relative_to(ROOT)), set()).add(node.attr)
    assert callers == {}
