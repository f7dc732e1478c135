#!/usr/bin/env bash
# A local PostgreSQL server for the sync tests (Debian's package): installed if missing, started,
# with a password role `mappingc` on 127.0.0.1. Prints the admin URL the tests create databases with.
set -euo pipefail
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "installing Debian's postgresql for the sync tests" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -n | tail -1)
$sudo pg_ctlcluster "$version" main start >/dev/null 2>&1 || true  # already running is fine
for _ in $(seq 1 30); do
    $sudo su postgres -c "pg_isready -q" && break
    sleep 0.5
done
$sudo su postgres -c "psql -q" >/dev/null <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mappingc') THEN
        CREATE ROLE mappingc LOGIN SUPERUSER PASSWORD 'mappingc';
    END IF;
END $$;
SQL
echo "postgresql+psycopg://mappingc:mappingc@127.0.0.1:5432/postgres"
