-- NOTIFY serialises committing transactions (a database-wide lock held through the WAL flush).
-- bench:relay measured writers unable to sustain 1,000 single-row commits/s with the trigger on,
-- and bench:api measured a 16 percent throughput cost. The relay polls every 10 ms instead. The
-- trigger stays, disabled, for deployments that prefer it at low write rates (relay/README.md).
ALTER TABLE "outbox" DISABLE TRIGGER "outbox_notify";
