#!/usr/bin/env bash
# Backs up tianbao's whole database: the campaigns, the contacts, every
# answer, draft and submission, the audit log and the uploaded files (they
# are stored in the database too). pg_dump takes one consistent snapshot
# while the bot keeps running; nothing needs to stop. The archive is
# pg_dump's custom format (compressed; scripts/restore.sh reads it).
#
#   scripts/backup.sh FILE            the database tianbao uses: DATABASE_URL
#                                     (and DATABASE_PASSWORD_FILE), or without
#                                     it the private cluster in TIANBAO_DATA
#   scripts/backup.sh --compose FILE  the compose deployment's db service
#                                     (run from the directory of compose.yaml)
#
# FILE is written whole or not at all (FILE.partial, renamed when pg_restore
# has read it back), and an existing FILE is never overwritten.
set -euo pipefail
prog=backup
usage() {
  echo "usage: scripts/backup.sh [--compose] FILE" >&2
  exit 2
}
compose=0
if [ "${1:-}" = --compose ]; then
  compose=1
  shift
fi
[ $# -eq 1 ] && [ -n "$1" ] && [ "${1#-}" = "$1" ] || usage
out=$1
if [ -e "$out" ]; then
  echo "$prog: $out exists; a backup never overwrites one: give a new name (the date, say)" >&2
  exit 1
fi
tmp=$out.partial
trap 'rm -f "$tmp"' EXIT
umask 077 # the archive holds everyone's answers and phones: yours alone

if [ $compose = 1 ]; then
  # The db image's own pg_dump: always the server's version.
  docker compose exec -T db pg_dump --username=tianbao --dbname=tianbao --format=custom >"$tmp"
  docker compose exec -T db pg_restore --list <"$tmp" >/dev/null
else
  # shellcheck source=tianbao-db.sh
  . "$(dirname "$0")/tianbao-db.sh"
  tianbao_db
  pg_dump --dbname="$db_url" --format=custom --file="$tmp"
  pg_restore --list "$tmp" >/dev/null
fi
mv "$tmp" "$out"
trap - EXIT
echo "$prog: wrote $out ($(wc -c <"$out" | tr -d ' ') bytes); restore it with scripts/restore.sh"
