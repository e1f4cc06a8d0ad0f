#!/bin/sh
# The standby's first start: copy the primary (pg_basebackup), mark the copy a standby, then run
# PostgreSQL with standby.conf. Later starts find the data directory and just run it.
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h db-primary -p 5432 -U replicator -D "$PGDATA" -X stream -c fast; do sleep 1; done
  touch "$PGDATA/standby.signal"
  chmod 700 "$PGDATA"
fi
exec postgres -c config_file=/etc/postgresql/standby.conf -c hba_file=/etc/postgresql/pg_hba.conf
