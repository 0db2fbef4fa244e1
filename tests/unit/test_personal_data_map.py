"""The map of personal data covers every store: a table with a column naming a user, the search index, and every
blob key a real flow writes each have an entry (or are listed here as holding no personal data, with the reason);
what is kept pseudonymised or left out of the export says why; erasure runs rows that point at others first."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import SQLModel

from core.personal_data import OnErasure
from core.registry import personal_data_map
from db.schema import SEARCH_INDEX_TABLE
from tests.factories import create_form, edit_form, image_bytes, make_container, settle

USER_COLUMNS = {"user_id", "actor_id", "reviewer_id", "handler_id"}
# Tables that name a user but hold nothing personal, each with the reason. (None today.)
NO_PERSONAL_DATA: dict[str, str] = {}
EXPORT_FILES = {
    "profile.json",
    "lab_templates.csv",
    "lab_experiments.csv",
    "lab_cells.csv",
    "lab_ratings.csv",
    "lab_presets.csv",
    "generations.json",
    "generations.csv",
    "images/",
    "credits.csv",
    "orders.csv",
    "consents.csv",
    "policy_acknowledgements.csv",
    "sign_ins.csv",
    "privacy_requests.csv",
    "emails.csv",
    "shares.csv",
}


def tables_naming_a_user() -> set[str]:
    found = {"users", SEARCH_INDEX_TABLE}  # the index's `owner` column names the user ("u<id>")
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            if column.name in USER_COLUMNS or any(fk.target_fullname == "users.id" for fk in column.foreign_keys):
                found.add(table.name)
    return found


def test_every_table_that_names_a_user_has_an_entry_on_the_map() -> None:
    declared = {entry.table for entry in personal_data_map() if entry.table}
    missing = tables_naming_a_user() - declared - set(NO_PERSONAL_DATA)
    assert missing == set(), f"declare these tables on the personal-data map (core/capabilities/): {sorted(missing)}"


def test_every_entry_names_a_real_store_and_its_owner_columns_exist() -> None:
    tables = SQLModel.metadata.tables
    for entry in personal_data_map():
        assert entry.store.split(":", 1)[0] in {"table", "blobs", "withheld", "engine"}, entry.store
        if entry.table and entry.table != SEARCH_INDEX_TABLE:
            assert entry.table in tables, entry.store
            assert set(entry.owner_columns) <= set(tables[entry.table].columns.keys()), entry.store


def test_what_is_kept_or_not_exported_says_why_and_exports_go_to_the_agreed_files() -> None:
    for entry in personal_data_map():
        if entry.on_erasure is OnErasure.PSEUDONYMISE or not entry.export:
            assert len(entry.reason) > 20, f"{entry.store} needs its reason"
        files = {name.strip() for name in entry.export.split(",") if name.strip()}
        assert files <= EXPORT_FILES and entry.holds, entry.store


def test_erasure_runs_rows_that_point_at_others_before_what_they_point_at() -> None:
    steps = {entry.table: entry.step for entry in personal_data_map() if entry.table}
    for name, step in steps.items():
        table = SQLModel.metadata.tables.get(name)
        for fk in table.foreign_keys if table is not None else ():
            target = fk.column.table.name
            if target in steps and target != name:
                assert step < steps[target], f"{name} (step {step}) points at {target} (step {steps[target]})"
    assert max(steps.values()) == steps["users"]  # the account's own row goes last


def test_every_blob_a_real_flow_writes_is_under_a_declared_prefix(tmp_path: Path) -> None:
    c = make_container(tmp_path)
    user = c.accounts.sign_in_local("mapper@example.com").user
    job = settle(c, user, c.generation.submit(user, create_form(), c.generation.new_token()).id)
    settle(c, user, c.generation.submit(user, edit_form(upload=image_bytes()), c.generation.new_token()).id)
    assert job.images
    prefixes = [
        entry.store.split(":", 1)[1].format(user=user.id)
        for entry in personal_data_map()
        if entry.store.startswith("blobs:")
    ]
    keys = list(c.blobs.keys(""))
    assert len(keys) >= 6
    assert [key for key in keys if not any(key.startswith(prefix) for prefix in prefixes)] == []


def test_the_readmes_privacy_table_is_the_map() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("privacy_map", Path(__file__).parents[2] / "docs" / "privacy_map.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = module.README.read_text()
    assert module.section(readme) == module.table(), "run `python docs/privacy_map.py` to rewrite the README's table"
    assert "user:erased" in readme and "tombstone" in readme  # the pseudonymised rows are listed, with why
