#!/bin/sh
# The local PostgreSQL cluster for the tests (Debian's postgresql package).
#
#   sh scripts/test-postgres.sh [start [RUN]]  start the cluster if it is not running and print
#                                             a URL the tests may use to create throw-away
#                                             databases (stdout: the URL only)
#   sh scripts/test-postgres.sh stop RUN       after the tests: stop the cluster again, but only
#                                             if this script started it and no other run still
#                                             uses it
#
# RUN is the process id of the caller (`make test` passes its shell's), registered while
# the run lasts. When `start` finds the cluster down and starts it, it writes a marker
# with the server's process id; `stop` stops the cluster only when that marker is there,
# names the server still running, and no other registered run is alive. A cluster that
# was already running (started by hand, by the system, by someone else) is never stopped.
# `start` without RUN (`make bench`) registers nothing and gives the cluster up: it is left
# running, as it is not known when that caller is done with it.
#
# A cluster started for a test run runs without fsync (and full-page writes, synchronous
# commit) until it is stopped: a throw-away server for throw-away databases, 10–20 times
# faster at creating and dropping them. Only for that start: the configuration files are
# not changed, and a cluster that was already running is used as it is.
#
# Prints nothing on stdout when PostgreSQL is not possible here (not root, or no
# PostgreSQL): the PostgreSQL tests then skip, or fail when CI=true. What the script did
# is said on stderr.
set -u
command=${1:-start}
run=${2:-}
say() { echo "test-postgres: $*" >&2; }
case "$command" in
  start|stop) ;;
  *) echo "usage: $0 [start [RUN] | stop RUN]" >&2; exit 2 ;;
esac
case "$run" in
  ''|*[!0-9]*) [ -z "$run" ] || { echo "$0: RUN must be a process id" >&2; exit 2; } ;;
esac
[ "$command" = "stop" ] && [ -z "$run" ] && { echo "usage: $0 stop RUN" >&2; exit 2; }

[ "$(id -u)" = "0" ] || exit 0
command -v pg_ctlcluster >/dev/null 2>&1 || exit 0
version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$version" ] || exit 0

TEST_SETTINGS="-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
cluster=${PBI_TEST_PG_CLUSTER:-main}  # another name gives the tests a cluster of their own
state=/run/pbi-test-postgres/$version-$cluster
mkdir -p "$state/runs"
# One caller at a time from here on: a start never races a stop.
# (The server started below must not inherit the lock: see 9>&-.)
exec 9>"$state/lock"
flock 9

column() {  # the field $1 of this cluster in pg_lsclusters
  pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" -v f="$1" '$1 == v && $2 == c {print $f}'
}
server_pid() {  # the running postmaster's process id, or nothing
  data=$(column 6)
  [ -n "$data" ] && [ -r "$data/postmaster.pid" ] && head -n 1 "$data/postmaster.pid"
}
alive_runs() {  # registered runs still alive, other than $run
  for file in "$state"/runs/*; do
    [ -e "$file" ] || continue
    other=${file##*/}
    [ "$other" = "$run" ] && continue
    if kill -0 "$other" 2>/dev/null; then echo "$other"; else rm -f "$file"; fi
  done
}

if [ "$command" = "stop" ]; then
  [ -e "$state/runs/$run" ] || exit 0  # this run did not register: nothing of ours to stop
  rm -f "$state/runs/$run"
  [ -e "$state/started" ] || { say "leaving PostgreSQL $version/$cluster running (this script did not start it)"; exit 0; }
  if [ "$(column 4)" != "online" ] || [ "$(server_pid)" != "$(cat "$state/started")" ]; then
    rm -f "$state/started"  # stopped or restarted by someone else since: no longer ours
    exit 0
  fi
  others=$(alive_runs)
  if [ -n "$others" ]; then
    say "leaving PostgreSQL $version/$cluster running: other test runs use it ($(echo $others))"
    exit 0
  fi
  pg_ctlcluster "$version" "$cluster" stop >/dev/null 2>&1 9>&- || { say "could not stop PostgreSQL $version/$cluster"; exit 1; }
  rm -f "$state/started"
  say "stopped PostgreSQL $version/$cluster (started for the tests)"
  exit 0
fi

if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {found = 1} END {exit !found}'; then
  pg_createcluster "$version" "$cluster" >/dev/null 2>&1 9>&- || exit 0
fi
if [ "$(column 4)" != "online" ]; then
  if [ -n "$run" ]; then
    # Started for a test run, stopped after it: without fsync (every test creates and drops
    # a database, and each drop forces a checkpoint). For this start only: the cluster's
    # configuration is not changed, its next ordinary start is durable again.
    pg_ctlcluster "$version" "$cluster" start -- -o "$TEST_SETTINGS" >/dev/null 2>&1 9>&- \
      || pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 9>&- || true
  else
    pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 9>&- || true
  fi
  [ "$(column 4)" = "online" ] || exit 0
  if [ -n "$run" ]; then
    server_pid >"$state/started"
    say "started PostgreSQL $version/$cluster for the tests ($TEST_SETTINGS); it is stopped again after them"
  else
    rm -f "$state/started"
    say "started PostgreSQL $version/$cluster; left running"
  fi
elif [ -z "$run" ] && [ -e "$state/started" ]; then
  rm -f "$state/started"  # an unregistered caller uses it now: no run may stop it under it
  say "PostgreSQL $version/$cluster, started for a test run ($TEST_SETTINGS), is now left running;" \
      "restart it for a durable server"
fi
[ -z "$run" ] || echo "$run" >"$state/runs/$run"
port=$(column 3)
exists=$(su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'pbi_test'\"" 2>/dev/null)
if [ "$exists" != "1" ]; then
  su postgres -c "psql -p $port -qc \"CREATE ROLE pbi_test LOGIN SUPERUSER PASSWORD 'pbi_test'\"" >/dev/null 2>&1 || exit 0
fi
echo "postgresql://pbi_test:pbi_test@127.0.0.1:$port/postgres"
