# Shared by scripts/setup, scripts/test, scripts/demo, scripts/bench, scripts/sandbox.
# Sourced, never run. Everything a script needs is derived here, so that a fresh
# clone on a machine with Odoo 18 needs no environment variable at all.
set -euo pipefail

ADDON_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ADDON_NAME=l10n_in_einvoice
CACHE_DIR="${L10N_IN_EINV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/l10n_in_einvoice}"
LOCAL_DIR="$ADDON_DIR/.local"          # git-ignored: PostgreSQL cluster, addons link, logs
ODOO_GIT_URL="https://github.com/odoo/odoo.git"
PRIVATE_PG_PORT="${L10N_IN_EINV_PG_PORT:-54329}"

say() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

is_odoo18_tree() {  # $1: directory that should hold odoo-bin and odoo/release.py
  [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] &&
    grep -qE "^version_info = \(18, 0" "$1/odoo/release.py"
}

find_odoo() {  # prints the Odoo 18 source directory, or nothing
  local candidate
  for candidate in "${ODOO_SRC:-}" "$CACHE_DIR/odoo-18.0" /opt/odoo/18.0 /opt/odoo /usr/src/odoo /odoo; do
    [ -n "$candidate" ] && is_odoo18_tree "$candidate" && { echo "$candidate"; return; }
  done
  # an importable odoo package (pip install, Debian package)
  candidate=$(python3 -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null || true)
  [ -n "$candidate" ] && is_odoo18_tree "$candidate" && echo "$candidate"
  return 0
}

load_env() {  # the values scripts/setup wrote
  [ -f "$LOCAL_DIR/env" ] || die "run scripts/setup first"
  # shellcheck disable=SC1091
  . "$LOCAL_DIR/env"
  export PATH="$VENV_DIR/bin:$PATH" PGHOST PGPORT PGUSER
  [ -n "${PGPASSWORD:-}" ] && export PGPASSWORD
  return 0
}

odoo_bin() {  # odoo-bin [shell|...] with this project's addons path and database
  local command=()
  case "${1:-}" in -*|"") ;; *) command=("$1"); shift ;; esac
  "$VENV_DIR/bin/python" "$ODOO_DIR/odoo-bin" "${command[@]}" \
    --addons-path="$ODOO_DIR/addons,$ODOO_DIR/odoo/addons,$LOCAL_DIR/addons" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" \
    ${PGPASSWORD:+--db_password="$PGPASSWORD"} \
    --data-dir="$LOCAL_DIR/filestore" "$@"
}
