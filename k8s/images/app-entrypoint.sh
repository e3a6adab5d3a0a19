#!/bin/sh
# The app image's entry point: the first argument picks the process. Each runs TypeScript
# through tsx; exec hands PID 1 (and SIGTERM) to node, so every service stops cleanly.
set -eu
cd /app
tsx() { exec node --import tsx "$@"; }

cmd="${1:-}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  api) tsx api/main.ts "$@" ;;
  relay) tsx relay/main.ts "$@" ;;
  consumer) tsx consumers/main.ts "$@" ;;            # consumer <group>
  relay-debezium) tsx debezium/relay-cli.ts "$@" ;; # register (default) | drop | status
  janitor) tsx debezium/janitor-main.ts "$@" ;;
  prepare)
    # Migrations, then topics, then schemas (each idempotent); PREPARE_STEPS may skip some.
    for step in ${PREPARE_STEPS:-migrate topics schemas}; do
      case "$step" in
        migrate) node --import tsx scripts/migrate.ts ;;
        topics) node --import tsx scripts/provision-topics.ts ;;
        schemas) node --import tsx scripts/register-schemas.ts ;;
        *) echo "prepare: unknown step '$step' (migrate, topics, schemas)" >&2; exit 64 ;;
      esac
    done
    ;;
  *)
    echo "usage: todo api | relay | consumer <group> | prepare | relay-debezium [register|drop|status] | janitor" >&2
    exit 64
    ;;
esac
