"""Policy files: the shipped documents parse, a malformed file is refused at start with a message naming the file
and the problem, the notice rule counts calendar days in UTC (across daylight saving and a leap day), and the diff
marks added and removed lines with + and -."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.policies import PRIVACY_POLICY, DiffMark, diff, earliest_effective, load_policies
from core.errors import ConfigurationError
from core.settings import PROJECT_ROOT
from tests.factories import make_container
from tests.policy_support import BASE_TEXT, NEW_TEXT, policy_file, write_policies


def test_the_shipped_documents_parse_with_a_version_in_force_and_a_draft_to_come() -> None:
    library = load_policies(PROJECT_ROOT / "assets" / "policies")
    assert set(library.documents) == {"privacy-policy", "terms"}
    policy = library.versions(PRIVACY_POLICY)
    assert [p.version for p in policy] == ["2026-12-01", "2027-02-01"]
    assert library.baseline(PRIVACY_POLICY).effective == date(2026, 12, 1)
    assert policy[-1].material and "encrypted" in policy[-1].summary
    for versions in library.documents.values():
        for p in versions:
            assert p.text.startswith("# ") and p.title and p.summary


BAD_FILES = {
    "no front matter": ("# Privacy policy\n\nText.\n", "starts with no front matter"),
    "unclosed front matter": ('+++\ntitle = "Privacy policy"\n', "starts with no front matter"),
    "not TOML": ("+++\ntitle = Privacy policy\n+++\nText.\n", "not valid TOML"),
    "a missing field": (policy_file("2027-02-01").replace("material = true\n", ""), "material: Field required"),
    "a bad date": (policy_file("2027-02-01").replace("effective = 2027-02-01", 'effective = "soon"'), "effective"),
    "an unknown key": (policy_file("2027-02-01").replace("+++\n#", 'author = "me"\n+++\n#', 1), "author"),
    "the wrong version": (policy_file("2027-03-01"), "its version is '2027-03-01', but the file is named '2027-02-01'"),
    "no text": (policy_file("2027-02-01").split("+++\n#")[0] + "+++\n\n", "has no text"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_malformed_policy_file_is_refused_naming_the_file_and_the_problem(tmp_path: Path, case: str) -> None:
    content, problem = BAD_FILES[case]
    folder = write_policies(
        tmp_path / "policies",
        {"privacy-policy/2026-12-01.md": policy_file("2026-12-01"), "privacy-policy/2027-02-01.md": content},
    )
    with pytest.raises(ConfigurationError) as refused:
        load_policies(folder)
    assert "privacy-policy/2027-02-01.md" in str(refused.value) and problem in str(refused.value)


def test_a_folder_without_a_privacy_policy_is_refused(tmp_path: Path) -> None:
    folder = write_policies(tmp_path / "policies", {"terms/2026-12-01.md": policy_file("2026-12-01")})
    with pytest.raises(ConfigurationError, match="holds no privacy-policy"):
        load_policies(folder)


def test_a_bad_policy_file_stops_the_start(tmp_path: Path) -> None:
    folder = write_policies(tmp_path / "policies", {"privacy-policy/2026-12-01.md": "no front matter"})
    with pytest.raises(ConfigurationError, match="2026-12-01.md: starts with no front matter"):
        make_container(tmp_path, policies_dir=folder)


@pytest.mark.parametrize(
    ("announced", "earliest"),
    [
        # Berlin springs forward on 28 March 2027: 30 days later by the calendar, whatever the clocks did.
        (datetime(2027, 3, 27, 23, 30, tzinfo=ZoneInfo("Europe/Berlin")), date(2027, 4, 26)),
        (datetime(2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")), date(2027, 4, 27)),
        # New York falls back on 7 November 2027; 22:30 there is already the next day in UTC.
        (datetime(2027, 11, 6, 22, 30, tzinfo=ZoneInfo("America/New_York")), date(2027, 12, 7)),
        # 29 February 2028 exists: 30 January + 30 days is that day, and 29 February + 30 days is 30 March.
        (datetime(2028, 1, 30, 12, 0, tzinfo=UTC), date(2028, 2, 29)),
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), date(2028, 3, 30)),
    ],
)
def test_a_material_change_takes_effect_30_calendar_days_after_the_announcement_in_utc(
    announced: datetime, earliest: date
) -> None:
    assert earliest_effective(announced, 30, material=True) == earliest
    assert earliest_effective(announced, 30, material=False) == announced.astimezone(UTC).date()


@given(st.datetimes(timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("Australia/Sydney")])))
def test_the_earliest_date_is_always_the_notice_period_after_the_utc_day_of_the_announcement(
    announced: datetime,
) -> None:
    if announced.astimezone(UTC).date() > date(9999, 11, 1):
        return
    day = announced.astimezone(UTC).date()
    assert earliest_effective(announced, 30, material=True) - day == timedelta(days=30)


def test_the_diff_marks_the_added_line_with_a_plus() -> None:
    lines = diff(BASE_TEXT, NEW_TEXT)
    added = [line for line in lines if line.mark is DiffMark.ADDED]
    assert [line.text for line in added] == ["Your images are stored encrypted.", ""]
    assert all(line.sign == "+" for line in added)
    assert not any(line.mark is DiffMark.REMOVED for line in lines)
    removed = diff(NEW_TEXT, BASE_TEXT)
    assert [line.sign + line.text for line in removed if line.mark is DiffMark.REMOVED][0] == (
        "-Your images are stored encrypted."
    )
