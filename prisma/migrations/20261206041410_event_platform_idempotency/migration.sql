-- CreateIndex
CREATE UNIQUE INDEX "event_logs_platform_event_id_key" ON "event_logs"("event_id") WHERE (owner_id IS NULL);
