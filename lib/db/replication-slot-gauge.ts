/**
 * WAL each replication slot of the server keeps from being recycled (WAL is shared by every
 * database of the server), read at scrape time. A slot
 * whose reader stopped (Debezium's connector down, say) pins WAL until `max_slot_wal_keep_size`
 * invalidates it; the alert rules warn well before that.
 */
import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

export function registerReplicationSlotGauge(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: 'pg_replication_slot_retained_wal_bytes',
    help: 'WAL retained by each replication slot of the server, in bytes',
    labelNames: ['slot_name', 'active'],
    registers: [registry],
    async collect() {
      const rows = await pool
        .query<{ slot_name: string; active: boolean; retained: string | null }>(
          `select slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text as retained
             from pg_replication_slots`,
        )
        .then((r) => r.rows)
        .catch(() => undefined);
      if (!rows) return;
      this.reset();
      for (const r of rows) this.set({ slot_name: r.slot_name, active: String(r.active) }, Number(r.retained ?? 0));
    },
  });
}
