#!/usr/bin/env bash
# The restore drill: dump the database as the nightly backup does (pg_dump -Fc), restore the dump into a scratch
# database, prove the copy is whole (the same tables with the same number of rows, the same schema revision, and
# this build's start check accepts it), then drop the scratch database. A backup nobody restored is a hope.
#
#   deploy/restore-drill.sh SOURCE_URL [DUMP_FILE]
#     SOURCE_URL  a libpq URL, e.g. postgresql://atelier@127.0.0.1:5432/atelier (password from ~/.pgpass or PGPASSWORD);
#                 its user must be allowed to CREATE DATABASE on that server (or run it as the postgres superuser).
#     DUMP_FILE   an existing dump to restore (last night's); without it, a fresh one is made first.
#
# Row counts are compared with the source as it is now: run it in a quiet minute, or against a standby, as a
# database taking writes meanwhile would have grown past its dump. Run from the repository root (it uses db/schema.py).
set -euo pipefail

SOURCE=${1:?usage: deploy/restore-drill.sh SOURCE_URL [DUMP_FILE]}
PYTHON=${PYTHON:-python}
WORK=$(mktemp -d)
SCRATCH="atelier_restore_drill_$(date +%Y%m%d%H%M%S)"
SERVER=${SOURCE%/*}
TARGET="$SERVER/$SCRATCH"

cleanup() {
  psql --quiet "$SERVER/postgres" -c "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" >/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Every table's row count, one "table count" line each, in name order.
COUNTS="SELECT table_name || ' ' || (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',
  table_schema, table_name), false, true, '')))[1]::text FROM information_schema.tables
  WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"

started=$(date +%s.%N)
if [[ $# -ge 2 ]]; then
  DUMP=$2
else
  DUMP="$WORK/atelier.dump"
  pg_dump --format=custom --compress=6 --file="$DUMP" "$SOURCE"
fi
dumped=$(date +%s.%N)
echo "Dump: $(du -h "$DUMP" | cut -f1) in $(awk "BEGIN { printf \"%.2f\", $dumped - $started }") s ($DUMP)"

psql --quiet "$SERVER/postgres" -c "CREATE DATABASE \"$SCRATCH\"" >/dev/null
# --no-owner: the scratch database belongs to whoever runs the drill; --exit-on-error: a broken dump fails loudly.
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$TARGET" "$DUMP"
restored=$(date +%s.%N)
echo "Restore into $SCRATCH: $(awk "BEGIN { printf \"%.2f\", $restored - $dumped }") s"

psql --no-psqlrc -At "$SOURCE" -c "$COUNTS" > "$WORK/source.txt"
psql --no-psqlrc -At "$TARGET" -c "$COUNTS" > "$WORK/restored.txt"
if ! diff -u "$WORK/source.txt" "$WORK/restored.txt"; then
  echo "FAILED: the restored database differs from the source (above: - source, + restored)." >&2
  exit 1
fi
echo "Tables: $(wc -l < "$WORK/source.txt"), rows: $(awk '{ n += $2 } END { print n }' "$WORK/source.txt"), every count equal"

# This build's own start check (db/schema.py) on the copy: the revision a replica would need.
"$PYTHON" - "${TARGET/postgresql:/postgresql+psycopg:}" <<'PY'
import sys

from db.schema import schema_problem

problem = schema_problem(sys.argv[1])
print(f"Schema: {problem}" if problem else "Schema: at this build's head; a replica would start on it")
sys.exit(1 if problem else 0)
PY
echo "Restore drill passed; $SCRATCH dropped."
