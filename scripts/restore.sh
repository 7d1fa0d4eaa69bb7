#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a NEW, EMPTY database, then check it.
#
#   createdb -h db-host -U user mhst_restored
#   scripts/restore.sh backups/mhst-20261203T020000Z.dump postgresql://user@db-host:5432/mhst_restored
#
# Refuses a database that holds anything (it never overwrites one). Restores in one
# transaction (a failure leaves the database empty), owned by the restoring user
# (--no-owner --no-acl). Then checks that every table holds as many rows as the dump
# does and that the Alembic version is the dump's, and prints both. Exit status 0 only
# when every check passed.
set -euo pipefail

dump="${1:?usage: scripts/restore.sh DUMP TARGET_DATABASE_URL}"
target="${2:?usage: scripts/restore.sh DUMP TARGET_DATABASE_URL}"
target="${target/#postgresql+psycopg:\/\//postgresql://}"
target="${target/#postgres:\/\//postgresql://}"
[ -r "$dump" ] || { echo "restore: cannot read $dump" >&2; exit 2; }

sql() { psql --dbname="$target" --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "$@"; }

relations=$(sql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'")
if [ "$relations" != "0" ]; then
  echo "restore: refused: the target database is not empty ($relations relations)." >&2
  echo "restore: restore only into a new database (createdb NAME), never over one." >&2
  exit 1
fi

pg_restore --exit-on-error --single-transaction --no-owner --no-acl --dbname="$target" "$dump"

# Rows per table in the dump: the lines of each table's COPY block.
expected=$(pg_restore --data-only --file=- "$dump" | awk '
  /^COPY / { table = $2; rows[table] = 0; inside = 1; next }
  inside && /^\\\.$/ { inside = 0; next }
  inside { rows[table]++ }
  END { for (table in rows) print table, rows[table] }' | sort)
[ -n "$expected" ] || { echo "restore: the dump holds no table data" >&2; exit 1; }

query=$(echo "$expected" | awk '{ printf "%sSELECT %s, count(*) FROM %s", (NR > 1 ? " UNION ALL " : ""), "'"'"'" $1 "'"'"'", $1 }')
actual=$(sql --field-separator=' ' -c "$query" | sort)
if [ "$expected" != "$actual" ]; then
  echo "restore: FAILED: row counts differ from the dump's (table, dump, restored):" >&2
  join -a1 -a2 -e '?' -o 0,1.2,2.2 <(echo "$expected") <(echo "$actual") | awk '$2 != $3' >&2
  exit 1
fi

dumped_version=$(pg_restore --data-only --table=alembic_version --file=- "$dump" |
  awk '/^COPY /{inside = 1; next} inside && /^\\\.$/{exit} inside{print}')
restored_version=$(sql -c "SELECT version_num FROM alembic_version")
if [ -z "$restored_version" ] || [ "$dumped_version" != "$restored_version" ]; then
  echo "restore: FAILED: Alembic version '$restored_version', the dump's '$dumped_version'" >&2
  exit 1
fi

tables=$(echo "$expected" | wc -l)
echo "restore: checked: Alembic version $restored_version; $tables tables, each with the dump's row count"
echo "$expected" | awk '$1 ~ /\.(user_account|school|child|referral|care_contact|measure_record|audit_event)$/ { print "  " $1 ": " $2 " rows" }'
echo "restore: run 'flask db upgrade' against it if this code is newer than the backup."
