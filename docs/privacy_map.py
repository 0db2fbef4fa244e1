"""Write the README's privacy table from the map of personal data (core.registry.personal_data_map), so the README
says what the code does: `python docs/privacy_map.py` rewrites the part between the markers; a unit test fails
when they differ."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as `python docs/privacy_map.py` from the project root

from core.personal_data import CATEGORY_TITLES, OnErasure, PersonalData  # noqa: E402
from core.registry import personal_data_map  # noqa: E402

README = ROOT / "README.md"
START, END = "<!-- privacy-map:start -->", "<!-- privacy-map:end -->"
ERASURE = {OnErasure.DELETE: "deleted", OnErasure.PSEUDONYMISE: "kept, pseudonymised"}


def _where(store: str) -> str:
    kind, _, name = store.partition(":")
    return {
        "table": f"table `{name}`",
        "blobs": f"media store, `{name}`",
        "withheld": f"withheld store, `{name}`",
        "engine": "fal.ai (the engine)",
    }.get(kind, f"`{store}`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def row(entry: PersonalData) -> str:
    export = f"`{entry.export}`" if entry.export else f"not exported: {entry.reason}"
    erasure = ERASURE[entry.on_erasure] + (f": {entry.reason}" if entry.on_erasure is OnErasure.PSEUDONYMISE else "")
    cells = [
        CATEGORY_TITLES[entry.category],
        _where(entry.store),
        entry.holds,
        export,
        erasure,
        "; ".join(entry.processors) or "none",
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def table(entries: list[PersonalData] | None = None) -> str:
    entries = entries if entries is not None else personal_data_map()
    order = list(CATEGORY_TITLES)
    ranked = sorted(entries, key=lambda e: (order.index(e.category), e.step, e.store))
    head = [
        "| Category | Where it lives | What it holds | The export | Erasure of the account | Who else receives it |",
        "|---|---|---|---|---|---|",
    ]
    return "\n".join([START, *head, *(row(entry) for entry in ranked), END])


def section(text: str) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


def main() -> None:
    text = README.read_text()
    README.write_text(text.replace(section(text), table()))


if __name__ == "__main__":
    main()
