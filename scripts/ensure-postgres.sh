#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the test suite: use the one
# that is running, start an installed cluster, or install Debian's package and start it.
# The suite connects as postgres/postgres to the database `test`, unless TEST_POSTGRES_URL
# names another server: then there is nothing to start here.
set -euo pipefail

if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  exit 0
fi

HOST=127.0.0.1
PORT=5432

listening() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
}

prepare_database() {
  # Trust auth ignores the password; password auth needs it. Both work with postgres/postgres.
  as_postgres psql -q -h "$HOST" -p "$PORT" -d postgres -c "ALTER USER postgres PASSWORD 'postgres'" \
    >/dev/null 2>&1 || as_postgres psql -q -d postgres -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  if ! as_postgres psql -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    as_postgres createdb test
  fi
}

wait_for_server() {
  for _ in $(seq 1 60); do listening && return 0; sleep 0.5; done
  echo "PostgreSQL did not start listening on $HOST:$PORT" >&2
  return 1
}

if listening; then
  exit 0
fi

echo "No PostgreSQL on $HOST:$PORT; starting one for the tests."
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and this is not root: install it, or set TEST_POSTGRES_URL to a server." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
else
  service postgresql start
fi
wait_for_server
prepare_database
