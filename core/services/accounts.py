"""AccountService: local sign-in, account creation with starter credits, and reading who is signed in."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from core.domain import UserView
from core.errors import ValidationError
from core.services import ledger
from core.services.views import user_view
from db.tables import User
from db.uow import Database

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class AccountService:
    def __init__(self, db: Database, starter_credits: int) -> None:
        self.db = db
        self.starter_credits = starter_credits

    def sign_in_local(self, email: str) -> UserView:
        """Development sign-in: whoever types an address becomes that account (created on first use)."""
        address = email.strip().lower()
        if not EMAIL.match(address) or len(address) > 320:
            raise ValidationError("Enter an email address like name@example.com.")
        try:
            return self._get_or_create(address)
        except IntegrityError:
            # Two sessions created the same account at once; the other one won, so read it.
            return self._get_or_create(address)

    def sign_out_everywhere(self, user: UserView) -> None:
        """End every session of this user, in every tab and browser: each checks the version it signed in under."""
        with self.db.uow() as uow:
            uow.users.end_sessions(user.id)
            uow.commit()

    def get(self, user_id: int) -> UserView | None:
        with self.db.reader() as uow:
            user = uow.users.get(user_id)
            return user_view(user) if user else None

    def _get_or_create(self, email: str) -> UserView:
        with self.db.uow() as uow:
            user = uow.users.by_email(email)
            if user is None:
                user = uow.users.add(User(email=email, display_name=email.split("@")[0]))
                assert user.id is not None
                if self.starter_credits:
                    ledger.grant(uow, user.id, self.starter_credits, "Starter credits", f"user:{user.id}:starter")
                uow.commit()
                uow.session.refresh(user)
            return user_view(user)
