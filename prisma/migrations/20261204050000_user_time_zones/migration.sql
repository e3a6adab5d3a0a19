-- Every person has an IANA time zone (default UTC): the chat reads and answers in it.
CREATE TABLE "user_settings" (
    "user_id" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "user_settings_pkey" PRIMARY KEY ("user_id")
);

-- A recurrence fires at the local wall-clock time of its zone. Rows from before this migration
-- keep firing at UTC wall-clock time, exactly as they did.
ALTER TABLE "recurrence_schedules" ADD COLUMN "time_zone" TEXT NOT NULL DEFAULT 'UTC';
