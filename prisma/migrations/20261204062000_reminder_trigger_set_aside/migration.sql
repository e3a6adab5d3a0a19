-- A trigger the ticker cannot fire (its remind_at is outside what it can carry, or firing it fails
-- for a reason retrying cannot fix) is set aside once: state 'failed' with the reason here.
ALTER TABLE "reminder_triggers" ADD COLUMN "failure_reason" TEXT;
