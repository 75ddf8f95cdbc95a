#!/usr/bin/env bash
# First start of the compose PostgreSQL (docker-entrypoint-initdb.d): one LOGIN role owning
# one database per service, as deploy/local/bin/postgres-setup does locally. Passwords come
# from the environment (<SERVICE>_DB_PASSWORD, set in the uncommitted .env file); nothing
# is hard-coded. Runs only when the data volume is empty.
set -euo pipefail

SERVICES="${MS_SERVICES:-identity contracts notify}"

for svc in $SERVICES; do
    var="$(printf '%s' "$svc" | tr '[:lower:]-' '[:upper:]_')_DB_PASSWORD"
    password="${!var:-}"
    [[ -n "$password" ]] || { echo "postgres-init: $var is not set" >&2; exit 1; }
    db="${svc//-/_}"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$db" -v pw="$password" -v db="$db" <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$db" -v role="$db" \
        <<<'ALTER SCHEMA public OWNER TO :"role";'
    echo "postgres-init: database $db ready (role $db)"
done
