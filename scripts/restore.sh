#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh: the whole database as it was
# at that moment, uploaded files included.
#
#   scripts/restore.sh FILE
#       into the database DATABASE_URL names (and DATABASE_PASSWORD_FILE), or
#       without it the private cluster in TIANBAO_DATA. That database must be
#       empty: create a new one (createdb) and point DATABASE_URL at it; a
#       database with tables in it is refused, never overwritten.
#   scripts/restore.sh --compose --replace FILE
#       into the compose deployment's db service, replacing its database
#       tianbao. Stop the bot first (docker compose stop bot); it is refused
#       while the bot runs.
#
# Everything is restored in one transaction: on any error nothing is.
# Afterwards run `tianbao migrate` if this program is newer than the backup,
# and `tianbao doctor`.
set -euo pipefail
prog=restore
usage() {
  echo "usage: scripts/restore.sh FILE | scripts/restore.sh --compose --replace FILE" >&2
  exit 2
}
compose=0
replace=0
while [ $# -gt 1 ]; do
  case $1 in
  --compose) compose=1 ;;
  --replace) replace=1 ;;
  *) usage ;;
  esac
  shift
done
[ $# -eq 1 ] && [ -n "$1" ] && [ "${1#-}" = "$1" ] || usage
in=$1
if [ $compose = 1 ] && [ $replace = 0 ]; then
  echo "$prog: --compose replaces the deployment's database tianbao with the backup: say so with --replace" >&2
  exit 2
fi
if [ $compose = 0 ] && [ $replace = 1 ]; then
  echo "$prog: --replace is for --compose; otherwise restore into a new, empty database" >&2
  exit 2
fi
if [ ! -r "$in" ] || [ ! -f "$in" ]; then
  echo "$prog: cannot read $in" >&2
  exit 1
fi

# What a restored database holds, said at the end.
summary="SELECT (SELECT max(version_id) FROM goose_db_version) AS schema,
  (SELECT count(*) FROM campaigns) AS campaign_versions, (SELECT count(*) FROM contacts) AS contacts,
  (SELECT count(*) FROM answers) AS answers, (SELECT count(*) FROM submissions) AS submissions,
  (SELECT count(*) FROM files) AS files"

if [ $compose = 1 ]; then
  if docker compose ps --status running --services 2>/dev/null | grep -qx bot; then
    echo "$prog: the bot is running: stop it first (docker compose stop bot), restore, then start it (docker compose up -d)" >&2
    exit 1
  fi
  docker compose exec -T db pg_restore --list <"$in" >/dev/null || {
    echo "$prog: $in is not a backup pg_restore can read (scripts/backup.sh makes them)" >&2
    exit 1
  }
  docker compose exec -T db psql --username=tianbao --dbname=postgres --quiet -v ON_ERROR_STOP=1 \
    -c 'DROP DATABASE IF EXISTS tianbao WITH (FORCE)' -c 'CREATE DATABASE tianbao OWNER tianbao'
  docker compose exec -T db pg_restore --username=tianbao --dbname=tianbao --no-owner --no-privileges \
    --exit-on-error --single-transaction <"$in"
  docker compose exec -T db psql --username=tianbao --dbname=tianbao --no-psqlrc --expanded -c "$summary"
else
  if ! pg_restore --list "$in" >/dev/null 2>&1; then
    echo "$prog: $in is not a backup pg_restore can read (scripts/backup.sh makes them)" >&2
    exit 1
  fi
  # shellcheck source=tianbao-db.sh
  . "$(dirname "$0")/tianbao-db.sh"
  tianbao_db
  tables=$(psql --dbname="$db_url" --no-psqlrc -tAc "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
  if [ "$tables" != 0 ]; then
    echo "$prog: the database has $tables table(s): a restore goes into an empty database only, never over one in use." >&2
    echo "$prog: create a new one (createdb tianbao_restored), point DATABASE_URL at it, and run this again." >&2
    exit 1
  fi
  pg_restore --dbname="$db_url" --no-owner --no-privileges --exit-on-error --single-transaction "$in"
  psql --dbname="$db_url" --no-psqlrc --expanded -c "$summary"
fi
echo "$prog: restored $in; now \`tianbao migrate\` (if this program is newer than the backup), then \`tianbao doctor\`"
