-- Idempotency per owner (issue 12): an event_id is unique within its owner, not across owners,
-- so two marketers can use the same id. Reminder dedupe keys (`evt:<event_id>:<type>`) follow.
-- Existing rows already satisfy the narrower rule (globally unique ⇒ unique per owner). The new
-- indexes are built before the old ones go, so idempotency holds throughout the migration.

-- CreateIndex
CREATE UNIQUE INDEX "event_logs_owner_id_event_id_key" ON "event_logs"("owner_id", "event_id");

-- CreateIndex
CREATE UNIQUE INDEX "reminders_owner_id_dedupe_key_key" ON "reminders"("owner_id", "dedupe_key");

-- DropIndex
DROP INDEX "event_logs_event_id_key";

-- DropIndex
DROP INDEX "reminders_dedupe_key_key";
