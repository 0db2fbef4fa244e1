"""The base of every repository: it works inside the unit of work's session and never commits."""

from __future__ import annotations

from sqlmodel import Session


class Repository:
    def __init__(self, session: Session) -> None:
        self.session = session
