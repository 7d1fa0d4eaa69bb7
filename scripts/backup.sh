#!/usr/bin/env bash
# Back up the service's database: a pg_dump archive in custom format (-Fc) of DATABASE_URL,
# written to DIRECTORY (default: ./backups) as mhst-YYYYMMDDTHHMMSSZ.dump (UTC), readable
# only by its owner (it holds children's records). Restore it with scripts/restore.sh.
#
#   DATABASE_URL=postgresql://user:password@db-host:5432/mhst scripts/backup.sh /var/backups/mhst
#
# pg_dump reads one consistent snapshot while the service keeps running. Its major version
# must be the server's or newer (pg_dump refuses an older one itself). The dump is written
# under a .partial name, checked readable (pg_restore --list), then renamed: a file named
# .dump is always a whole archive. Prints the file's path on the last line.
set -euo pipefail

url="${DATABASE_URL:?set DATABASE_URL to the database to back up}"
url="${url/#postgresql+psycopg:\/\//postgresql://}"
url="${url/#postgres:\/\//postgresql://}"
case "$url" in
  postgresql://*) ;;
  *) echo "backup: DATABASE_URL is not a PostgreSQL URL" >&2; exit 2 ;;
esac

directory="${1:-backups}"
umask 077
mkdir -p "$directory"
file="$directory/mhst-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [ -e "$file" ]; then
  echo "backup: $file already exists" >&2
  exit 1
fi
trap 'rm -f "$file.partial"' EXIT

pg_dump --format=custom --compress=6 --dbname="$url" --file="$file.partial"
pg_restore --list "$file.partial" >/dev/null
mv "$file.partial" "$file"
echo "backup: $(pg_dump --version), $(du -h "$file" | cut -f1)" >&2
echo "$file"
