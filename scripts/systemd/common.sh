# Shared by scripts/install-systemd and scripts/update-systemd (sourced, not run).
#
# Each step prints one line: OK, FAILED or SKIPPED, what it did, and a detail. A step runs in a
# subshell with `set -e`; its output (apt, npm, systemd) is shown only with --verbose, or under
# the step when it failed. A step says it was skipped with `skip REASON`, and what it did with
# `detail TEXT`.

checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
verbose=0
root=
prefix=/opt/pobsync
env_file=/etc/pobsync/pobsync.env
unit_file=/etc/systemd/system/pobsync.service
launcher=/usr/local/bin/pobsync
step_dir=$(mktemp -d)
failed_steps=0
trap 'rm -rf "$step_dir"' EXIT

skip() {
  printf '%s' "$*" >"$step_dir/skip"
  exit 99
}

detail() {
  printf '%s' "$*" >"$step_dir/detail"
}

# step TITLE FUNCTION [ARGS...]: runs FUNCTION, prints its line; a failure ends the script.
step() {
  local title=$1
  shift
  rm -f "$step_dir/skip" "$step_dir/detail" "$step_dir/output"
  local rc
  # Not `( ... ) || rc=$?`: bash ignores set -e inside anything that is the left side of ||.
  set +e
  if [ "$verbose" = 1 ]; then
    (set -euo pipefail; "$@")
  else
    (set -euo pipefail; "$@") >"$step_dir/output" 2>&1
  fi
  rc=$?
  set -e
  local note=
  if [ "$rc" = 0 ]; then
    [ -s "$step_dir/detail" ] && note=": $(cat "$step_dir/detail")"
    printf 'OK       %s%s\n' "$title" "$note"
  elif [ "$rc" = 99 ]; then
    printf 'SKIPPED  %s: %s\n' "$title" "$(cat "$step_dir/skip")"
  else
    [ -s "$step_dir/detail" ] && note=": $(cat "$step_dir/detail")"
    printf 'FAILED   %s%s\n' "$title" "$note"
    [ -s "$step_dir/output" ] && sed 's/^/         | /' "$step_dir/output"
    failed_steps=$((failed_steps + 1))
    echo "pobsync: stopped at the failed step; fix it and run ${0##*/} again (it is safe to repeat)." >&2
    exit 1
  fi
}

# A path on the target system, inside the staging root when there is one.
target() {
  printf '%s%s' "${root%/}" "$1"
}

staging() {
  [ -n "$root" ]
}

systemd_running() {
  [ -d /run/systemd/system ]
}

# An absolute path without spaces, quotes, "%" (a systemd specifier) or "..": it goes into a unit file.
check_path() {
  local name=$1 value=$2
  case "$value" in
    /*) ;;
    *) echo "pobsync: $name \"$value\" is not allowed: give an absolute path, like /srv/backups" >&2; exit 2 ;;
  esac
  if [[ "$value" =~ [[:space:]\'\"%\\] ]] || [[ "$value" == *..* ]] || [[ "$value" == */ && "$value" != / ]]; then
    echo "pobsync: $name \"$value\" is not allowed: no spaces, quotes, %, .. or trailing slash" >&2
    exit 2
  fi
}

node_bin() {
  command -v node || true
}

node_major() {
  node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}

# The checkout's build must exist and be newer than its sources: the app is installed from dist/.
step_build() {
  cd "$checkout"
  local stale=0
  if [ ! -f dist/pobsync.mjs ]; then
    stale=1
  elif [ -n "$(find source db -newer dist/pobsync.mjs -type f -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    [ -d node_modules ] || { echo "no node_modules in $checkout: run ./scripts/setup first"; exit 1; }
    npm run build
    detail "built dist/ from the sources"
  else
    detail "dist/ is up to date"
  fi
}

# The built app and the packages it loads at run time (sqlite3's native module and the database
# drivers: scripts/systemd/runtime-packages.mjs; everything else is bundled in dist/), swapped
# into place in one rename; the previous one is kept as PREFIX.previous for a rollback.
step_install_app() {
  local dest new previous packages
  dest=$(target "$prefix")
  new="$dest.new"
  previous="$dest.previous"
  packages=$(node "$checkout/scripts/systemd/runtime-packages.mjs")
  rm -rf "$new"
  mkdir -p "$new/node_modules"
  cp -a "$checkout/dist" "$new/dist"
  cp -a "$checkout/package.json" "$checkout/package-lock.json" "$checkout/README.md" "$new/"
  local count=0 rel
  while IFS= read -r rel; do
    [ -n "$rel" ] || continue
    mkdir -p "$new/$(dirname "$rel")"
    cp -a "$checkout/$rel" "$new/$rel"
    count=$((count + 1))
  done <<<"$packages"
  chmod -R u=rwX,go=rX "$new"
  rm -rf "$previous"
  [ -e "$dest" ] && mv "$dest" "$previous"
  mv "$new" "$dest"
  detail "$prefix, $(du -sh "$dest" | cut -f1), $count packages it loads at run time (the rest is bundled)"
}

# Puts the previous app back (a failed migration after an update).
rollback_app() {
  local dest previous
  dest=$(target "$prefix")
  previous="$dest.previous"
  [ -d "$previous" ] || return 0
  rm -rf "$dest"
  mv "$previous" "$dest"
}

# The unit, from scripts/systemd/pobsync.service.in.
step_write_unit() {
  local node paths file
  node=$(node_bin)
  paths="$home $backup_root"
  [ -n "${metrics_dir:-}" ] && paths="$paths -$metrics_dir"
  file=$(target "$unit_file")
  mkdir -p "$(dirname "$file")"
  sed -e "s|@PREFIX@|$prefix|g" \
    -e "s|@ENV_FILE@|$env_file|g" \
    -e "s|@NODE@|$node|g" \
    -e "s|@READ_WRITE_PATHS@|$paths|g" \
    "$checkout/scripts/systemd/pobsync.service.in" >"$file.tmp"
  chmod 644 "$file.tmp"
  mv "$file.tmp" "$file"
  detail "$unit_file (ExecStart=$node $prefix/dist/pobsync.mjs daemon; ReadWritePaths=$paths)"
}

step_verify_unit() {
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
  local out
  # Any message is a finding: an unknown key is only a warning to systemd-analyze, but a mistake here.
  out=$(systemd-analyze verify "$(target "$unit_file")" 2>&1) || { echo "$out"; exit 1; }
  [ -z "$out" ] || { echo "$out"; exit 1; }
  detail "systemd-analyze verify found nothing to complain about"
}

# /usr/local/bin/pobsync: the installed app, run by the node the service runs it with.
step_launcher() {
  local file node
  node=$(node_bin)
  file=$(target "$launcher")
  mkdir -p "$(dirname "$file")"
  cat >"$file.tmp" <<EOF
#!/bin/sh
# pobsync, installed by scripts/install-systemd. Its home comes from $env_file, as the service's does.
exec $node $prefix/dist/pobsync.mjs "\$@"
EOF
  chmod 755 "$file.tmp"
  mv "$file.tmp" "$file"
  detail "$launcher runs $prefix/dist/pobsync.mjs"
}

# Runs the installed pobsync as the service would, on the target's home.
installed_pobsync() {
  POBSYNC_HOME=$(target "$home") "$(node_bin)" "$(target "$prefix")/dist/pobsync.mjs" "$@"
}

# The environment file's value of NAME (empty when absent).
env_value() {
  local name=$1 file
  file=$(target "$env_file")
  [ -f "$file" ] || return 0
  sed -n "s/^[[:space:]]*$name[[:space:]]*=[[:space:]]*//p" "$file" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}
