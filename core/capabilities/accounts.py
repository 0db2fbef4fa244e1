"""Accounts: sign-in and its sessions, names and preferences; the development sign-in's cookie routes; and
deleting sign-in records past their retention."""

from datetime import timedelta

from core.container import Container
from core.registry import Capability, PeriodicTask, hourly
from core.services.accounts import AccountService
from core.services.local_sessions import LocalSessions
from core.web.session_routes import session_routes


def accounts(c: Container) -> AccountService:
    s = c.settings
    return AccountService(
        c.db,
        c.clock,
        starter_credits=s.starter_credits,
        admin_emails=s.admin_email_list,
        session_max_age=timedelta(days=s.session_max_days),
        sign_in_retention=timedelta(days=s.sign_in_retention_days),
        model_ids=tuple(m.id for m in c.engine.models()),
        max_name_chars=s.max_display_name_chars,
    )


def local_sessions(c: Container) -> LocalSessions:
    s = c.settings
    return LocalSessions(
        c.db,
        c.clock,
        c.media_secret,
        max_age=timedelta(days=s.session_max_days),
        enabled=s.auth_mode == "local",
    )


CAPABILITY = Capability(
    name="accounts",
    services={AccountService: accounts, LocalSessions: local_sessions},
    routes=(session_routes,),
    tasks=(
        PeriodicTask(
            "sweep sign-ins",
            hourly,
            lambda c: c.accounts.sweep_sign_ins(),
            "Deleted %d sign-in records past their retention",
        ),
    ),
)
