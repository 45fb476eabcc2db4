# Sourced by backup.sh and restore.sh: finds the database tianbao uses, as
# the program does, for PostgreSQL's own tools (libpq).
#   DATABASE_URL (a URL or key=value pairs), with the first line of
#   DATABASE_PASSWORD_FILE as the password;
#   without DATABASE_URL, the private cluster in TIANBAO_DATA, over its
#   unix socket (it runs while a tianbao process uses it).
# Sets db_url; exports PGPASSWORD when there is a password file.

tianbao_db() {
  if [ -n "${DATABASE_URL:-}" ]; then
    db_url=$DATABASE_URL
    if [ -n "${DATABASE_PASSWORD_FILE:-}" ]; then
      local pw=""
      IFS= read -r pw <"$DATABASE_PASSWORD_FILE" || [ -n "$pw" ] || {
        echo "$prog: DATABASE_PASSWORD_FILE $DATABASE_PASSWORD_FILE is empty or unreadable" >&2
        exit 1
      }
      PGPASSWORD=${pw%$'\r'}
      export PGPASSWORD
    fi
    return
  fi
  local data=${TIANBAO_DATA:-}
  if [ -z "$data" ]; then
    if [ "$(id -u)" = 0 ]; then
      data=/var/lib/tianbao
    else
      data=${XDG_DATA_HOME:-$HOME/.local/share}/tianbao
    fi
  fi
  if [ ! -S "$data/run/.s.PGSQL.5432" ]; then
    echo "$prog: DATABASE_URL is unset and the private cluster in $data is not running." >&2
    echo "$prog: it runs while tianbao does: run this while \`tianbao serve\` (or a console) runs, or set DATABASE_URL." >&2
    exit 1
  fi
  db_url="host=$data/run port=5432 user=postgres dbname=tianbao"
}
