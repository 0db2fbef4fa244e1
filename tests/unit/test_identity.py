"""What a sign-in keeps of the browser and the token: a truncated IP, a coarse browser, an identity by (issuer, subject)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationError
from core.identity import describe_user_agent, identity_from_claims, truncate_ip

CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),  # an IPv4 client seen through an IPv6 socket
        (None, ""),  # a local connection: Streamlit gives no address
        ("", ""),
        ("not an address", ""),
    ],
)
def test_only_the_network_of_an_address_is_kept(address: str | None, kept: str) -> None:
    assert truncate_ip(address) == kept


@given(st.ip_addresses())
def test_a_truncated_address_names_the_network_and_never_the_host(address) -> None:  # type: ignore[no-untyped-def]
    network = ipaddress.ip_network(truncate_ip(str(address)))
    mapped = getattr(address, "ipv4_mapped", None)
    host = mapped or address
    assert host in network
    assert network.prefixlen == (24 if host.version == 4 else 48)


@pytest.mark.parametrize(
    ("user_agent", "browser", "system"),
    [
        (CHROME_WINDOWS, "Chrome 131", "Windows"),
        (SAFARI_IPHONE, "Mobile Safari 17", "iOS"),
        (FIREFOX_LINUX, "Firefox 133", "Linux"),
        ("", "Unknown browser", "Unknown OS"),
        ("curl/8.5.0", "curl 8", "Unknown OS"),
        ("nonsense \u0000\u202e", "Unknown browser", "Unknown OS"),
    ],
)
def test_the_browser_is_described_coarsely(user_agent: str, browser: str, system: str) -> None:
    assert describe_user_agent(user_agent) == (browser, system)


def test_identity_is_the_issuer_and_subject_and_each_sign_in_has_its_own_key() -> None:
    claims = {"iss": "https://accounts.google.com", "sub": "1234", "email": "A@Example.com", "iat": 1_700_000_000}
    first = identity_from_claims({**claims, "email_verified": True, "nonce": "n1"})
    reload = identity_from_claims({**claims, "email_verified": True, "nonce": "n1"})
    later = identity_from_claims({**claims, "email_verified": True, "nonce": "n2", "iat": 1_700_000_100})
    assert (first.issuer, first.subject, first.email) == ("https://accounts.google.com", "1234", "a@example.com")
    assert first.session_key == reload.session_key != later.session_key
    assert "1234" not in first.session_key and len(first.session_key) == 64


@pytest.mark.parametrize(("claim", "verified"), [(True, True), ("true", True), (False, False), (None, False)])
def test_only_an_explicitly_verified_email_counts_as_verified(claim: object, verified: bool) -> None:
    claims = {"iss": "i", "sub": "s", "iat": 1, "email": "a@b.co"}
    if claim is not None:
        claims["email_verified"] = claim
    assert identity_from_claims(claims).email_verified is verified


@pytest.mark.parametrize("missing", ["iss", "sub", "iat"])
def test_an_incomplete_token_is_refused_with_a_message(missing: str) -> None:
    claims = {"iss": "i", "sub": "s", "iat": 1, "email": "a@b.co", "email_verified": True}
    del claims[missing]
    with pytest.raises(ValidationError, match="Sign in again"):
        identity_from_claims(claims)


@given(st.text(max_size=300))
def test_whatever_a_browser_sends_the_description_is_short_printable_text(user_agent: str) -> None:
    browser, system = describe_user_agent(user_agent)
    assert browser and system and len(browser) <= 60 and len(system) <= 60
    assert browser.isprintable() and system.isprintable()


@pytest.mark.parametrize(
    ("picture", "kept"),
    [
        ("https://lh3.googleusercontent.com/a/ACg8ocK=s96-c", "https://lh3.googleusercontent.com/a/ACg8ocK=s96-c"),
        ("http://lh3.googleusercontent.com/a/x", ""),  # not https
        ("https://tracker.example/pixel.gif", ""),  # a host the page's CSP does not allow
        ("https://googleusercontent.com.evil.example/a", ""),
        ("javascript:alert(1)", ""),
        (None, ""),
    ],
)
def test_only_a_profile_picture_from_the_allowed_host_is_kept(picture: object, kept: str) -> None:
    claims = {"iss": "i", "sub": "s", "iat": 1, "picture": picture}
    assert identity_from_claims(claims).picture == kept
