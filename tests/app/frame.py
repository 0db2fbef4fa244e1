"""What the shared frame shows in AppTest: the balance in the header bar."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

BALANCE = re.compile(r"^(-?[\d,]+) credits?$")
BALANCE_LINK = re.compile(r"\[(-?[\d,]+) credits?\]\(/credits\)")


def balance(at: AppTest) -> int:
    found = shown_balance(at)
    assert found is not None, "no balance in the header"
    return found


def shown_balance(at: AppTest) -> int | None:
    """The balance in the header: a page link under app.py's navigation, a plain link on a page run alone."""
    for link in at.get("page_link"):
        if found := BALANCE.match(link.proto.label):
            return int(found.group(1).replace(",", ""))
    for text in at.markdown:
        if found := BALANCE_LINK.search(str(text.value)):
            return int(found.group(1).replace(",", ""))
    return None
