"""Fake `st.user` contents for AppTest: the id_token claims Streamlit keeps after a provider sign-in."""

from __future__ import annotations

import time
from typing import Any

ISSUER = "https://idp.example.test"


def claims(sub: str = "alice-sub", email: str = "alice@example.com", **extra: Any) -> dict[str, Any]:
    """The id_token claims st.user holds after a sign-in (reference/streamlit.md 1.5)."""
    return {
        "iss": ISSUER,
        "sub": sub,
        "aud": "atelier",
        "email": email,
        "email_verified": True,
        "name": "Alice Example",
        "iat": int(time.time()),
        "nonce": "n-" + sub,
        **extra,
    }
