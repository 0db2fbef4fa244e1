"""Benchmark: what the access guard costs on every page run, and the admin console's queries, at 10,000 users.

Every page run checks the browser's sign-in (`AccountService.resume`): one lookup of the
sign-in by its key and one of the user. The reference is the same two primary-key reads
in raw SQL on the DBAPI cursor, measured in the same run. A first sign-in (account,
starter grant, sign-in record) is compared with the same rows inserted in raw SQL. The
admin's user search and the filtered audit log page are compared with their raw queries.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # so `python bench/<name>.py` finds the app

from sqlalchemy import Engine, insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.common import median, migrated_database, postgres_admin_url, postgres_reachable, print_table, spread  # noqa: E402
from core.domain import AuditFilter  # noqa: E402
from core.identity import ClientInfo, Identity, session_key  # noqa: E402
from tests.factories import make_container  # noqa: E402

USERS = 10_000
SIGN_INS_PER_USER = 3
AUDIT_ROWS = 10_000
BATCH = 5_000
WARM, RUNS = 3, 40
ISSUER = "https://accounts.google.com"
CLIENT = ClientInfo(ip_prefix="203.0.113.0/24", browser="Chrome 131", os="Windows")
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def seed(engine: Engine, postgres: bool) -> None:
    tables = SQLModel.metadata.tables
    users = [
        {
            "id": u,
            "issuer": ISSUER,
            "subject": f"sub-{u}",
            "email": f"person{u}@example.com",
            "email_verified": True,
            "display_name": "",
            "provider_name": f"Person {u}",
            "role": "admin" if u == 1 else "user",
            "balance": 20,
            "session_version": 0,
            "created_at": T0,
        }
        for u in range(1, USERS + 1)
    ]
    sign_ins = [
        {
            "user_id": u,
            "session_key": session_key(ISSUER, f"sub-{u}", str(n)),
            "session_version": 0,
            "issued_at": T0,
            "ip_prefix": CLIENT.ip_prefix,
            "browser": CLIENT.browser,
            "os": CLIENT.os,
            "created_at": T0 + timedelta(minutes=n),
        }
        for u in range(1, USERS + 1)
        for n in range(SIGN_INS_PER_USER)
    ]
    audit = [
        {
            "actor_id": 1,
            "action": ("credits.adjusted", "role.changed", "audit.exported")[i % 3],
            "subject": f"user:{i % USERS + 1}",
            "details": "{}",
            "created_at": T0 + timedelta(minutes=i),
        }
        for i in range(AUDIT_ROWS)
    ]
    for table, rows in (("users", users), ("sign_ins", sign_ins), ("audit_log", audit)):
        for first in range(0, len(rows), BATCH):
            with engine.begin() as conn:
                conn.execute(insert(tables[table]), rows[first : first + BATCH])
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"))
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def timed(fn: Any) -> float:
    start = time.perf_counter_ns()
    fn()
    return (time.perf_counter_ns() - start) / 1e6


def pair(a: Any, b: Any) -> tuple[list[float], list[float]]:
    """Interleaved runs, so both see the same machine."""
    xs, ys = [], []
    for run in range(WARM + RUNS):
        x, y = timed(a), timed(b)
        if run >= WARM:
            xs.append(x)
            ys.append(y)
    return xs, ys


def run_backend(kind: str) -> list[list[str]]:
    postgres = kind == "postgresql"
    p = "%s" if postgres else "?"
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as name, migrated_database(kind, Path(name)) as url:
        c = make_container(Path(name), url, clock=lambda: T0 + timedelta(days=1))
        seed(c.db.engine, postgres)
        raw: Any = c.db.engine.raw_connection()
        if postgres:
            raw.driver_connection.autocommit = True
        cur = raw.cursor()
        user_id = USERS // 2
        key = session_key(ISSUER, f"sub-{user_id}", "1")  # the second of the user's seeded sign-ins
        token = Identity(ISSUER, f"sub-{user_id}", f"person{user_id}@example.com", True, "", "", T0, key)
        admin = c.accounts.get(1)
        assert admin is not None and c.accounts.resume(token, CLIENT).user.id == user_id

        def raw_check() -> None:
            cur.execute(f"SELECT * FROM sign_ins WHERE session_key = {p}", (token.session_key,))
            cur.fetchall()
            cur.execute(f"SELECT * FROM users WHERE id = {p}", (user_id,))
            cur.fetchall()

        check, check_ref = pair(lambda: c.accounts.resume(token, CLIENT), raw_check)

        counter = iter(range(1_000_000))

        def first_sign_in() -> None:
            n = next(counter)
            fresh = Identity(ISSUER, f"new-{n}", f"new{n}@example.com", True, "New", "", T0, session_key("new", str(n)))
            c.accounts.resume(fresh, CLIENT)

        raw_counter = iter(range(1_000_000))

        def raw_first() -> None:
            n = next(raw_counter)
            if postgres:
                raw.driver_connection.autocommit = False
            cur.execute(
                "INSERT INTO users (issuer, subject, email, email_verified, display_name, provider_name, avatar_url,"
                f" role, balance, session_version, created_at) VALUES ({p}, {p}, {p}, {p}, '', 'New', '', 'user', 20,"
                f" 0, {p})" + (" RETURNING id" if postgres else ""),
                ("raw", f"raw-{n}", f"raw{n}@example.com", True, T0),
            )
            new_id = cur.fetchone()[0] if postgres else cur.lastrowid
            cur.execute(
                "INSERT INTO ledger_entries (user_id, delta, kind, reason, reference, idempotency_key, created_at)"
                f" VALUES ({p}, 20, 'grant', 'Starter credits', '', {p}, {p})",
                (new_id, f"raw:{n}", T0),
            )
            cur.execute(
                "INSERT INTO sign_ins (user_id, session_key, session_version, issued_at, ip_prefix, browser, os,"
                f" created_at) VALUES ({p}, {p}, 0, {p}, '', '', '', {p})",
                (new_id, session_key("raw", str(n)), T0, T0),
            )
            raw.commit()
            if postgres:
                raw.driver_connection.autocommit = True

        first, first_ref = pair(first_sign_in, raw_first)

        def raw_search() -> None:
            cur.execute(
                "SELECT u.*, (SELECT count(*) FROM images i WHERE i.user_id = u.id) FROM users u"
                f" WHERE lower(u.email) LIKE {p} OR lower(u.display_name) LIKE {p} OR lower(u.provider_name) LIKE {p}"
                f" ORDER BY u.id LIMIT {p}",
                ("%person12%", "%person12%", "%person12%", 26),
            )
            cur.fetchall()
            cur.execute(
                f"SELECT count(*) FROM users WHERE lower(email) LIKE {p} OR lower(display_name) LIKE {p}"
                f" OR lower(provider_name) LIKE {p}",
                ("%person12%", "%person12%", "%person12%"),
            )
            cur.fetchall()

        search, search_ref = pair(lambda: c.admin.users(admin, "Person12"), raw_search)

        filters = AuditFilter(action="credits.adjusted")

        def raw_audit() -> None:
            cur.execute(
                "SELECT a.*, u.email FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id"
                f" WHERE a.action = {p} ORDER BY a.id DESC LIMIT {p}",
                ("credits.adjusted", 51),
            )
            cur.fetchall()
            cur.execute(f"SELECT count(*) FROM audit_log WHERE action = {p}", ("credits.adjusted",))
            cur.fetchall()

        audit, audit_ref = pair(lambda: c.admin.audit_log(admin, filters), raw_audit)
        cur.close()
        raw.close()
        c.db.engine.dispose()
    rows = []
    for what, ours, ref in (
        ("guard check, every page run", check, check_ref),
        ("first sign-in (account, grant, record)", first, first_ref),
        ("admin: search users, page 1", search, search_ref),
        ("admin: audit log page, one action", audit, audit_ref),
    ):
        rows.append([kind, what, spread(ours), spread(ref), f"{median(ours) / median(ref):.2f}×"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    rows: list[list[str]] = []
    for kind in kinds:
        if kind == "postgresql" and not postgres_reachable(postgres_admin_url()):
            print(f"PostgreSQL unreachable at {postgres_admin_url()}; skipped")
            continue
        rows += run_backend(kind)
    print(
        f"{USERS:,} users, {USERS * SIGN_INS_PER_USER:,} sign-ins, {AUDIT_ROWS:,} audit rows; "
        f"median [min–max] of {RUNS} runs, ms"
    )
    print_table(["backend", "what", "service ms", "raw SQL ms", "ratio"], rows)


if __name__ == "__main__":
    main()
