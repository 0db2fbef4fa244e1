"""The database's last check on text: nothing is written holding a character core.stored_text refuses, or
longer than its column.

Services clean every text a user can store with core.stored_text, which says what to fix. This guard is
for the writer that forgot: it fails alike on SQLite (which would store the text as it is) and PostgreSQL
(which refuses a NUL or an over-long value with an error quoting the statement), so a test with hostile
text catches the omission on either database. Its error names the column, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

from sqlalchemy import Engine, String, event, inspect
from sqlmodel import Session

from core.stored_text import refused_characters


class UncheckedTextError(RuntimeError):
    """Text reached the database without passing core.stored_text: a programming error, not the user's."""


def guard_text(engine: Engine) -> None:
    """Check every row the ORM flushes, and every value of an INSERT or UPDATE sent through `engine`."""
    if not event.contains(Session, "before_flush", _check_flush):
        event.listen(Session, "before_flush", _check_flush)
    event.listen(engine, "before_cursor_execute", _check_statement)


def _check_flush(session: Session, _context: object, _instances: object) -> None:
    for row in chain(session.new, session.dirty):
        table = getattr(row, "__table__", None)
        if table is None:
            continue
        state = inspect(row)
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)  # SQLModel's AutoString decorates a String
            if not isinstance(kind, String) or column.key not in state.attrs:
                continue
            attribute = state.attrs[column.key]
            if state.persistent and not attribute.history.has_changes():
                continue  # only what this flush writes: a row read with old text can still be updated
            value = attribute.value
            if not isinstance(value, str):
                continue
            where = f"{table.name}.{column.name}"
            if kind.length is not None and len(value) > kind.length:
                raise UncheckedTextError(f"{where}: {len(value)} characters, the column holds {kind.length}")
            _check(value, where)


def _check_statement(
    _connection: object, _cursor: object, _statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if not (getattr(context, "isinsert", False) or getattr(context, "isupdate", False)):
        return  # a search may hold anything; only what is written is checked
    verb = "INSERT" if context.isinsert else "UPDATE"
    for name, value in _values(parameters):
        if isinstance(value, str):
            _check(value, f"parameter {name} of an {verb}")


def _values(parameters: Any) -> Iterator[tuple[object, object]]:
    """Every value a statement sends, however the driver call holds them: one row (a mapping or a sequence),
    several (executemany), or SQLAlchemy's "insertmanyvalues" batch, whose many rows travel as one flat sequence
    under one statement with executemany set."""
    if isinstance(parameters, Mapping):
        yield from parameters.items()
        return
    for position, item in enumerate(parameters or (), start=1):
        if isinstance(item, Mapping | list | tuple):
            yield from _values(item)
        else:
            yield position, item


def _check(value: str, where: str) -> None:
    refused = refused_characters(value)
    if refused is not None:
        kind, found = refused
        codes = ", ".join(f"U+{ord(c):04X}" for c in found[:3])
        raise UncheckedTextError(f"{where}: {kind} characters ({codes}); clean it with core.stored_text")
