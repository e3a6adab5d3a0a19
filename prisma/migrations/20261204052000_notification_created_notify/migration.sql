-- The web page's live notifications (GET /api/:userId/notifications/events): each API process
-- LISTENs on notification_created. The payload is the row's id only (a uuid, far below NOTIFY's
-- 8000-byte limit whatever the row holds). Reminders fire at a person's pace, so the commit-order
-- lock NOTIFY takes (the reason the outbox trigger is off) costs nothing that matters here.
CREATE FUNCTION "notification_created_notify"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('notification_created', NEW.id::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "notification_created_notify"
AFTER INSERT ON "notifications"
FOR EACH ROW EXECUTE FUNCTION "notification_created_notify"();
