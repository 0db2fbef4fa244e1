"""Accounts: sign-in and its sessions, names and preferences; the development sign-in's cookie routes; and the
retention rule deleting sign-in records past their retention."""

from datetime import timedelta

from core.container import Container
from core.personal_data import Category, ErasureContext, OnErasure, PersonalData, count_rows, delete_rows
from core.registry import Capability, RetentionRule
from core.services import erasure_steps
from core.services.accounts import AccountService
from core.services.local_sessions import LocalSessions
from core.settings import Settings
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


EMAIL_PROVIDER = "the email provider: the address"
# A sign-in provider's cookie (Streamlit's) lives at most this long: an erased account's sign-ins are refused until then.
PROVIDER_COOKIE_DAYS = 30


def _erase_sign_ins(ctx: ErasureContext) -> int:
    """The sign-ins go; their digests stay until the provider's cookie they stand for has expired, so that cookie
    says "this account was deleted" instead of quietly making a new account (core/services/accounts.py)."""
    ctx.uow.sign_ins.end_for_good(ctx.user_id, timedelta(days=PROVIDER_COOKIE_DAYS), ctx.now)
    return delete_rows("sign_ins")(ctx)


PERSONAL_DATA = (
    PersonalData(
        "table:sign_ins",
        Category.SIGN_INS,
        "When and from which browser and network (/24) you signed in",
        "sign_ins.csv",
        OnErasure.DELETE,
        70,
        _erase_sign_ins,
        count_rows("sign_ins"),
    ),
    PersonalData(
        "table:user_preferences",
        Category.SETTINGS,
        "The model, shape and format the Generate page starts from",
        "profile.json",
        OnErasure.DELETE,
        75,
        delete_rows("user_preferences"),
        count_rows("user_preferences"),
    ),
    PersonalData(
        "table:users",
        Category.ACCOUNT,
        "Your email address, names, role and credit balance",
        "profile.json",
        OnErasure.DELETE,
        1000,  # last: every row pointing at the account is gone by then (no ON DELETE: a forgotten one fails)
        erasure_steps.delete_user,
        count_rows("users", ("id",)),
        processors=(EMAIL_PROVIDER,),
        owner_columns=("id",),
    ),
)


def _describe_sign_ins(s: Settings) -> str:
    return (
        f"Sign-in records (when, browser, network /24) are deleted after {s.sign_in_retention_days} days; an "
        "erased account's sign-in digests once the provider's cookie they stand for has expired."
    )


CAPABILITY = Capability(
    name="accounts",
    services={AccountService: accounts, LocalSessions: local_sessions},
    routes=(session_routes,),
    retention=(RetentionRule("sign_ins", _describe_sign_ins, lambda c, now: c.accounts.sweep_sign_ins(now)),),
    personal_data=PERSONAL_DATA,
)
