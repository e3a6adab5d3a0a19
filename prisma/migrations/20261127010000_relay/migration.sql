-- CreateTable
CREATE TABLE "outbox_held_keys" (
    "message_key" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "held_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_held_keys_pkey" PRIMARY KEY ("message_key")
);

-- CreateTable
CREATE TABLE "outbox_dead_letters" (
    "id" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "topic" TEXT NOT NULL,
    "message_key" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "aggregate_version" BIGINT NOT NULL,
    "payload" BYTEA NOT NULL,
    "occurred_at" TEXT NOT NULL,
    "traceparent" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "failed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_dead_letters_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_dead_letters_event_id_key" ON "outbox_dead_letters"("event_id");

-- CreateIndex
CREATE INDEX "outbox_dead_letters_message_key_idx" ON "outbox_dead_letters"("message_key");


-- Wake-up hint for the TypeScript relay: one NOTIFY per inserting statement (not per row). The
-- relay also polls, so a lost notification only costs latency. The measured cost on write
-- throughput is in relay/README.md. (No semicolons in these comments: the migration runner
-- splits statements on them.)
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
