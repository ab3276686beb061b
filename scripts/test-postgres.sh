#!/bin/sh
# Start the local PostgreSQL cluster for the tests (Debian's postgresql package) and print
# a URL the tests may use to create throw-away databases; print nothing when that is not
# possible here (not root, or no PostgreSQL) — the PostgreSQL tests then skip, or fail
# when CI=true.
set -u
[ "$(id -u)" = "0" ] || exit 0
command -v pg_ctlcluster >/dev/null 2>&1 || exit 0
version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
[ -n "$version" ] || exit 0
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main" {found = 1} END {exit !found}'; then
  pg_createcluster "$version" main >/dev/null 2>&1 || exit 0
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
status=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}')
[ "$status" = "online" ] || exit 0
exists=$(su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'pbi_test'\"" 2>/dev/null)
if [ "$exists" != "1" ]; then
  su postgres -c "psql -p $port -qc \"CREATE ROLE pbi_test LOGIN SUPERUSER PASSWORD 'pbi_test'\"" >/dev/null 2>&1 || exit 0
fi
echo "postgresql://pbi_test:pbi_test@127.0.0.1:$port/postgres"
