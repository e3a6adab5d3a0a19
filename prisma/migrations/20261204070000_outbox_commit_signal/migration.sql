-- The relay's commit signal (relay/commit-signal.ts): the active relay streams a temporary logical
-- slot on this publication and reads the outbox as soon as a transaction that inserted outbox rows
-- commits, instead of at its next poll. Inserts only: the relay's own deletes are not sent. Unlike
-- the NOTIFY trigger this takes no lock in writers' commits (logical decoding reads the WAL).
CREATE PUBLICATION "outbox_relay_signal" FOR TABLE "outbox" WITH (publish = 'insert');
