"""One Lab experiment: its progress and "Cancel the rest", the grid per page (cells fill in as they finish), a cell's
picture with its exact settings, rating, winner mark and promotion, two cells compared with a slider, the reports,
and a re-run with one axis changed, compared cell by cell with the run it came from."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import app_container
from core.domain import Role, UserView
from core.domain.lab_views import CellView, ExperimentView
from core.domain.url_params import EXPERIMENT
from core.errors import NotFoundError
from core.services.lab import LabService
from core.services.lab_results import headers, place
from core.text import plural
from pages.components.compare_slider import compare_slider
from pages.components.lab_cell import OPEN_KEY, cell_dialog, cell_words
from pages.components.lab_downloads import report_downloads
from pages.components.lab_grid import LabTile, lab_grid
from pages.components.lab_rerun import rerun_form, runs_compared
from pages.components.results_feed import STATE_LABELS
from pages.components.safe_text import escape_markdown

PICKING_KEY = "lab.picking"
PICKED_KEY = "lab.picked"
TICK = 1.0  # seconds between looks while cells are being made


def experiment_page(user: UserView, experiment_id: int) -> None:
    lab = app_container().of(LabService)
    if st.button("All experiments", icon=":material/arrow_back:", key="lab.back", type="tertiary"):
        del st.query_params[EXPERIMENT.name]
        st.rerun()
    try:
        experiment = lab.experiment(user, experiment_id)
    except NotFoundError as exc:
        st.error(escape_markdown(str(exc)))
        return
    st.title(experiment.name, anchor=False)
    who = "You ran it" if experiment.mine else "A teammate ran it"
    st.caption(
        f"{escape_markdown(experiment.template)} · {plural(experiment.cells, 'cell')} · "
        f"{plural(experiment.cost, 'credit')} · {who} on {experiment.created_at:%d %b %Y %H:%M} UTC"
    )
    _live_grid(user, experiment)
    with st.expander("Reports: CSV, JSON, contact sheet, HTML", icon=":material/download:"):
        report_downloads(user, experiment)
    with st.expander("Re-run with one axis changed", icon=":material/restart_alt:"):
        rerun_form(user, experiment)
    if experiment.rerun_of is not None:
        with st.expander("Compare with the run it came from", icon=":material/compare:", expanded=True):
            runs_compared(user, experiment)


def _live_grid(user: UserView, experiment: ExperimentView) -> None:
    """One fragment: it reads the experiment again every second while cells are still being made."""
    running = experiment.finished < experiment.cells
    st.fragment(run_every=TICK if running else None)(_grid_part)(user, experiment.id, running)


def _grid_part(user: UserView, experiment_id: int, was_running: bool) -> None:
    experiment = app_container().of(LabService).experiment(user, experiment_id)
    running = experiment.finished < experiment.cells
    if was_running and not running:
        st.rerun()  # the last cell just finished: one full rerun stops the timer and refreshes the reports
    st.progress(
        experiment.finished / max(experiment.cells, 1),
        text=f"{experiment.finished} of {plural(experiment.cells, 'cell')} finished"
        + (" · canceled" if experiment.canceled else ""),
    )
    if running and (experiment.mine or user.has_role(Role.ADMIN)):
        if st.button("Cancel the rest", icon=":material/cancel:", key="lab.cancel"):
            canceled = app_container().of(LabService).cancel_rest(user, experiment_id)
            st.toast(f"Canceled {plural(canceled, 'cell')}; their credits are back.", icon=":material/undo:")
            st.rerun()
    picking = st.toggle("Compare two cells", key=PICKING_KEY)
    picked = tuple(st.session_state.get(PICKED_KEY, ()))
    for page in sorted({cell.page for cell in experiment.grid}):
        _grid(experiment, page, picking, picked)
    if picking:
        _compare(experiment, picked)
    if (opened := st.session_state.get(OPEN_KEY)) is not None:
        cell = next((c for c in experiment.grid if c.id == opened), None)
        if cell is not None:
            cell_dialog(user, cell)


def _grid(experiment: ExperimentView, page: int, picking: bool, picked: tuple[str, ...]) -> None:
    columns, rows, pages = headers(experiment, app_container().generation.model_label)
    cells = [c for c in experiment.grid if c.page == page]
    tiles: list[list[LabTile | None]] = [[None] * len(columns) for _ in rows]
    for cell in cells:
        tiles[cell.row][cell.col] = _tile(cell)
    corner = " × ".join(a.label for a in experiment.axes[:2][::-1])
    if len(experiment.axes) > 2:
        st.subheader(f"{experiment.axes[2].label}: {pages[page]}", anchor=False)
    lab_grid(
        columns,
        rows,
        tiles,
        key=f"lab.grid.{experiment.id}.{page}",
        caption=f"{experiment.name}: {cell_words(len(rows), len(columns))}",
        corner=corner,
        on_open=lambda cell_id: st.session_state.__setitem__(OPEN_KEY, int(cell_id)),
        picking=picking,
        picked=picked,
        on_pick=lambda ids: st.session_state.__setitem__(PICKED_KEY, tuple(ids)),
    )


def _tile(cell: CellView) -> LabTile:
    badge = " · ".join(part for part in (f"{cell.stars} ★" if cell.stars else "", _thumb(cell.thumbs)) if part)
    if cell.image is not None:
        return LabTile(str(cell.id), cell.image.thumb_url, cell.prompt, badge=badge, winner=cell.winner)
    words = STATE_LABELS[cell.status]
    if cell.status.value == "running" and cell.progress:
        words = f"Running {cell.progress:.0%}"
    return LabTile(str(cell.id), "", cell.prompt, label=words, badge=badge, winner=cell.winner)


def _thumb(thumbs: str) -> str:
    return {"up": "Thumbs up", "down": "Thumbs down"}.get(thumbs, "")


def _compare(experiment: ExperimentView, picked: tuple[str, ...]) -> None:
    chosen = [c for pid in picked for c in experiment.grid if str(c.id) == pid and c.image is not None]
    if len(chosen) < 2:
        st.caption("Pick two finished cells in the grid to compare them.")
        return
    before, after = chosen[0], chosen[1]
    assert before.image is not None and after.image is not None
    compare_slider(
        before.image.preview_url,
        after.image.preview_url,
        before_label=_place(experiment, before),
        after_label=_place(experiment, after),
        before_alt=before.prompt,
        after_alt=after.prompt,
        key=f"lab.compare.{experiment.id}",
    )
    if st.button("Clear the pick", key="lab.clear_pick", icon=":material/close:"):
        st.session_state[PICKED_KEY] = ()
        st.rerun()


def _place(experiment: ExperimentView, cell: CellView) -> str:
    return place(experiment, cell, app_container().generation.model_label)
