"""AccountService: sign-in by (issuer, subject), the sessions the guard checks, names, preferences and sign-in history."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from core.clock import Clock
from core.domain import (
    ASPECT_RATIOS,
    MAX_IMAGES_PER_JOB,
    OUTPUT_FORMATS,
    Preferences,
    Role,
    SignedIn,
    SignInView,
    UserView,
)
from core.errors import DuplicateKeyError, SessionEndedError, ValidationError
from core.identity import LOCAL_ISSUER, NO_CLIENT, ClientInfo, Identity, checked, checked_client, session_key
from core.services import audit, ledger
from core.services.account_views import user_view
from core.stored_text import EMAIL, display_name_rule
from db.repositories.erasures import ErasureRepository
from db.tables import SignIn, User, UserPreferences
from db.uow import Database, UnitOfWork

EMAIL_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
RECENT_SIGN_INS = 20
ERASED = "This account was deleted at your request. Sign in again to start a new, empty account."


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        starter_credits: int,
        admin_emails: set[str] | frozenset[str] = frozenset(),
        session_max_age: timedelta = timedelta(days=7),
        sign_in_retention: timedelta = timedelta(days=90),
        model_ids: tuple[str, ...] = (),
        max_name_chars: int = 80,
    ) -> None:
        self.db, self.clock = db, clock
        self.starter_credits = starter_credits
        self.admin_emails = frozenset(admin_emails)
        self.session_max_age = session_max_age
        self.sign_in_retention = sign_in_retention
        self.model_ids = model_ids
        self.max_name_chars = max_name_chars

    # Signing in -------------------------------------------------------------------------------

    def sign_in_local(self, email: str, client: ClientInfo = NO_CLIENT) -> SignedIn:
        """Development sign-in: whoever types an address is that account. Never offered in production.

        The page keeps only the returned session key, which `resume_local` checks on every run.
        """
        address = EMAIL.clean(email).lower()
        if not EMAIL_ADDRESS.match(address) or len(address) > EMAIL.max_chars:
            raise ValidationError(EMAIL.empty)
        identity = Identity(
            issuer=LOCAL_ISSUER,
            subject=address,
            email=address,
            email_verified=True,
            name="",
            picture="",
            issued_at=self.clock(),
            session_key=session_key(LOCAL_ISSUER, address, secrets.token_hex(16)),
        )
        return self.resume(identity, client)

    def resume_local(self, key: str) -> SignedIn:
        """The local sign-in a session key names, under the same rules as a provider's sign-in."""
        with self.db.reader() as uow:
            found = uow.sign_ins.by_key(key)
            if found is None:
                raise SessionEndedError("signed_out", "You signed out. Sign in again to continue.")
            self._check_age(found.issued_at)
            return SignedIn(_still_valid(uow, found), key)

    def resume(self, identity: Identity, client: ClientInfo) -> SignedIn:
        """The user this browser's sign-in stands for, checked on every page run.

        The first run after a sign-in records it (creating the account on the first ever one);
        later runs only check that it still counts. Raises SessionEndedError when it does not, and
        ValidationError when the provider's identity or email cannot be stored (core.identity.checked).
        """
        identity, client = checked(identity), checked_client(client)
        if not identity.email_verified:
            raise SessionEndedError(
                "unverified",
                "Your sign-in provider has not verified this account's email address, so Atelier cannot "
                "sign you in with it. Verify the address with your provider, or use another account.",
            )
        self._check_age(identity.issued_at)
        for _attempt in range(3):
            with self.db.reader() as uow:
                found = uow.sign_ins.by_key(identity.session_key)
                if found is not None:
                    return SignedIn(_still_valid(uow, found), identity.session_key)
                if uow.sign_ins.ended_for_good(identity.session_key, self.clock()):
                    raise SessionEndedError("erased", ERASED)
            try:
                return self._record_sign_in(identity, client)
            except DuplicateKeyError:
                continue  # another tab of this browser, or another browser, created the same rows first
        raise SessionEndedError("retry", "Signing in took too long. Reload the page to try again.")

    def sign_out(self, session_key: str) -> None:
        """End this browser's sign-in: every tab that shares it is signed out on its next run."""
        with self.db.uow() as uow:
            uow.sign_ins.end(session_key, self.clock())
            uow.commit()

    def sign_out_everywhere_else(self, user: UserView, session_key: str) -> None:
        """Every other sign-in of this user stops counting; this one is carried over to the new version."""
        with self.db.uow() as uow:
            version = uow.users.raise_session_version(user.id)
            uow.sign_ins.carry_forward(user.id, session_key, version)
            uow.commit()

    def get(self, user_id: int) -> UserView | None:
        with self.db.reader() as uow:
            user = uow.users.get(user_id)
            return user_view(user) if user else None

    # The account page -------------------------------------------------------------------------

    def rename(self, user: UserView, name: str) -> UserView:
        """Rectification: the user's own choice of name, kept over the provider's from then on."""
        cleaned = display_name_rule(self.max_name_chars).clean(name)
        with self.db.uow() as uow:
            row = uow.users.get(user.id)
            assert row is not None
            row.display_name = cleaned
            uow.commit()
            return user_view(row)

    def preferences(self, user: UserView) -> Preferences:
        with self.db.reader() as uow:
            row = uow.users.preferences(user.id)
        if row is None:
            return Preferences()
        return Preferences(row.model, row.aspect_ratio, row.output_format, row.num_images)

    def save_preferences(self, user: UserView, preferences: Preferences) -> Preferences:
        if preferences.model and preferences.model not in self.model_ids:
            raise ValidationError("Choose one of the models offered.")
        if preferences.aspect_ratio not in ASPECT_RATIOS:
            raise ValidationError("Choose one of the aspect ratios offered.")
        if preferences.output_format not in OUTPUT_FORMATS:
            raise ValidationError("Choose JPEG or PNG.")
        if not 1 <= preferences.num_images <= MAX_IMAGES_PER_JOB:
            raise ValidationError(f"Choose 1 to {MAX_IMAGES_PER_JOB} images per request.")
        with self.db.uow() as uow:
            uow.users.save_preferences(
                UserPreferences(
                    user_id=user.id,
                    model=preferences.model,
                    aspect_ratio=preferences.aspect_ratio,
                    output_format=preferences.output_format,
                    num_images=preferences.num_images,
                ),
                self.clock(),
            )
            uow.commit()
        return preferences

    def recent_sign_ins(self, user: UserView, session_key: str) -> list[SignInView]:
        now = self.clock()
        with self.db.reader() as uow:
            row = uow.users.get(user.id)
            version = row.session_version if row else 0
            rows = uow.sign_ins.recent(user.id, RECENT_SIGN_INS)
        return [
            SignInView(
                created_at=r.created_at,
                ip_prefix=r.ip_prefix,
                browser=r.browser,
                os=r.os,
                current=r.session_key == session_key,
                active=r.ended_at is None
                and r.session_version >= version
                and now - r.issued_at <= self.session_max_age,
            )
            for r in rows
        ]

    # Housekeeping -----------------------------------------------------------------------------

    def sweep_sign_ins(self, now: datetime | None = None) -> int:
        """Delete sign-in records past their retention; the retention sweep's "sign_ins" rule calls this."""
        now = now or self.clock()
        with self.db.uow() as uow:
            removed = uow.sign_ins.delete_older_than(now - self.sign_in_retention)
            uow.sign_ins.forget_ended(now)
            uow.commit()
        return removed

    # Internals --------------------------------------------------------------------------------

    def _check_age(self, issued_at: datetime) -> None:
        if self.clock() - issued_at > self.session_max_age:
            raise SessionEndedError(
                "expired",
                f"For your security, a sign-in lasts {_days(self.session_max_age)}. Sign in again to continue.",
            )

    def _record_sign_in(self, identity: Identity, client: ClientInfo) -> SignedIn:
        now = self.clock()
        with self.db.uow() as uow:
            user = uow.users.by_identity(identity.issuer, identity.subject)
            if user is None:
                user = self._create(uow, identity)
            # The provider's word is fresh at every sign-in: a changed address or name is picked up.
            user.email = identity.email
            user.email_verified = identity.email_verified
            user.provider_name = identity.name
            user.avatar_url = identity.picture
            user.last_sign_in_at = now
            assert user.id is not None
            uow.of(ErasureRepository).cancel_inactive(user.id, now)  # signing in is what the warning asked for
            old_role = user.role  # read before the UPDATE, which refreshes the loaded row
            if identity.email in self.admin_emails and Role(old_role) != Role.ADMIN:
                if uow.users.set_role_if(user.id, Role.ADMIN.value, old_role):
                    audit.record(
                        uow, now, None, "role.changed", f"user:{user.id}", old=old_role, new="admin", by="ADMIN_EMAILS"
                    )
            uow.sign_ins.add(
                SignIn(
                    user_id=user.id,
                    session_key=identity.session_key,
                    session_version=user.session_version,
                    issued_at=identity.issued_at,
                    ip_prefix=client.ip_prefix,
                    browser=client.browser,
                    os=client.os,
                    created_at=now,
                )
            )
            uow.commit()
            uow.users.reload(user)
            return SignedIn(user_view(user), identity.session_key)

    def _create(self, uow: UnitOfWork, identity: Identity) -> User:
        user = uow.users.add(User(issuer=identity.issuer, subject=identity.subject, email=identity.email))
        assert user.id is not None
        if self.starter_credits:
            ledger.grant(uow, user.id, self.starter_credits, "Starter credits", f"user:{user.id}:starter")
        return user


def _still_valid(uow: UnitOfWork, sign_in: SignIn) -> UserView:
    user = uow.users.get(sign_in.user_id)
    if sign_in.ended_at is not None or user is None:
        raise SessionEndedError("signed_out", "You signed out. Sign in again to continue.")
    if sign_in.session_version < user.session_version:
        raise SessionEndedError(
            "ended_elsewhere",
            "You were signed out from another device (“Sign out everywhere else”). Sign in again to continue.",
        )
    return user_view(user)


def _days(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    return f"{days:g} day" + ("" if days == 1 else "s")
