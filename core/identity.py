"""Who the sign-in provider vouches for, and where the browser is: plain values read from OIDC claims.

Identity is the pair (issuer, subject), never the email. `session_key` names one sign-in: it
is the same in every tab that shares the browser's sign-in cookie, and new after each sign-in.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from ua_parser import parse as parse_user_agent

from core.errors import ValidationError
from core.stored_text import EMAIL, PROVIDER_IDENTITY, PROVIDER_NAME

UNUSABLE_IDENTITY = "The sign-in provider sent an identity Atelier cannot store. Sign in again, or use another account."
UNUSABLE_EMAIL = (
    "Your sign-in provider sent an email address Atelier cannot store (it is too long, or holds invisible "
    "or control characters). Sign in with another account, or ask your provider's administrator."
)
LOCAL_ISSUER = "local"  # the development sign-in: the "provider" is whoever typed the address
# Where Google serves profile pictures; the page's CSP allows images from its subdomains only.
AVATAR_HOST = "googleusercontent.com"


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    picture: str
    issued_at: datetime
    session_key: str


@dataclass(frozen=True)
class ClientInfo:
    """What a sign-in event keeps of the browser: a truncated IP and a coarse browser and OS."""

    ip_prefix: str
    browser: str
    os: str


NO_CLIENT = ClientInfo(ip_prefix="", browser="Unknown browser", os="Unknown OS")


def identity_from_claims(claims: Mapping[str, object]) -> Identity:
    """Read the id_token claims `st.user` holds (Authlib has already checked signature, iss, aud and nonce)."""
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    issued = claims.get("iat")
    if not issuer or not subject or not isinstance(issued, int | float):
        raise ValidationError("The sign-in provider sent an incomplete identity. Sign in again.")
    nonce = str(claims.get("nonce") or claims.get("auth_time") or "")
    return checked(
        Identity(
            issuer=issuer,
            subject=subject,
            email=str(claims.get("email") or "").strip().lower(),
            email_verified=claims.get("email_verified") is True or claims.get("email_verified") == "true",
            name=str(claims.get("name") or "").strip(),
            picture=_avatar(claims.get("picture")),
            issued_at=datetime.fromtimestamp(float(issued), UTC),
            session_key=session_key(issuer, subject, f"{issued}", nonce),
        )
    )


def checked(identity: Identity) -> Identity:
    """The identity as it may be stored, by core.stored_text's rules. The issuer, subject and email are who the
    person is: one that breaks a rule refuses the sign-in (ValidationError, shown on the sign-in screen).
    The provider's name is only a courtesy: one that breaks a rule is dropped, and the app calls the person
    by the first part of their email address until they choose a name. Mending it (removing a right-to-left override) could still leave
    text arranged to mislead, and the person can always choose their own name on the Account page."""
    for part in (identity.issuer, identity.subject):
        if PROVIDER_IDENTITY.clean_or(part, "") != part:
            raise ValidationError(UNUSABLE_IDENTITY)
    try:
        email = EMAIL.clean(identity.email) if identity.email else ""
    except ValidationError:
        raise ValidationError(UNUSABLE_EMAIL) from None
    name = PROVIDER_NAME.clean_or(identity.name, "")
    return replace(identity, email=email, name=name, picture=_avatar(identity.picture))


def _avatar(picture: object) -> str:
    """A profile picture the page may load: https on Google's picture host, else none (initials are shown)."""
    text = str(picture or "")
    if len(text) > 1000 or not text.isascii() or not text.isprintable() or " " in text:
        return ""  # an address is plain ASCII without spaces; anything else is not one we load
    url = urlsplit(text)
    host = (url.hostname or "").lower()
    return text if url.scheme == "https" and host.endswith("." + AVATAR_HOST) else ""


def session_key(*parts: str) -> str:
    """A digest, so the database never holds anything a cookie could be rebuilt from."""
    # surrogatepass: a provider's claim may hold a lone surrogate (JSON allows "\ud800"); checked() refuses it.
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def truncate_ip(address: str | None) -> str:
    """The network, not the host: /24 for IPv4, /48 for IPv6. Empty when unknown (a local connection)."""
    if not address:
        return ""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@lru_cache(maxsize=256)
def describe_user_agent(user_agent: str) -> tuple[str, str]:
    """A coarse (browser, OS): families and the browser's major version, never the full string."""
    if not user_agent:
        return "Unknown browser", "Unknown OS"
    result = parse_user_agent(user_agent[:1000])
    browser, system = "Unknown browser", "Unknown OS"
    if result.user_agent is not None and result.user_agent.family != "Other":
        browser = result.user_agent.family
        if result.user_agent.major:
            browser = f"{browser} {result.user_agent.major}"
    if result.os is not None and result.os.family != "Other":
        system = result.os.family
    return _printable(browser, "Unknown browser"), _printable(system, "Unknown OS")


def _printable(text: str, fallback: str) -> str:
    """Parsers echo parts of the header; keep what shows as plain text, at most 60 characters."""
    cleaned = "".join(ch for ch in text if ch.isprintable())[:60].strip()
    return cleaned or fallback


def checked_client(client: ClientInfo) -> ClientInfo:
    """What a sign-in record keeps of the browser, whoever built it: plain printable text within its columns."""
    return ClientInfo(
        ip_prefix=_printable(client.ip_prefix, "")[:50],
        browser=_printable(client.browser, "Unknown browser"),
        os=_printable(client.os, "Unknown OS"),
    )


def client_info(ip: str | None, user_agent: str) -> ClientInfo:
    browser, system = describe_user_agent(user_agent)
    return ClientInfo(ip_prefix=truncate_ip(ip), browser=browser, os=system)
