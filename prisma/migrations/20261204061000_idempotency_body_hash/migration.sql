-- An Idempotency-Key stands for one request: its method, path and a hash of its body. A key sent
-- again with a different body is refused (422) instead of replaying the first answer. Rows from
-- before this migration have no hash and are matched on method and path, as they were.
ALTER TABLE "idempotent_requests" ADD COLUMN "body_hash" TEXT;
