-- CreateIndex
CREATE INDEX "idx_bids_window_opened" ON "bids"("lead_id", "contractor_id", "response_window_starts_at", "responded_at", "final_bid_amount") WHERE (response_window_starts_at IS NOT NULL);

-- CreateIndex
CREATE INDEX "customers_last_activity_at_idx" ON "customers"("last_activity_at");

-- CreateIndex
CREATE INDEX "event_logs_created_at_idx" ON "event_logs"("created_at");

-- CreateIndex
CREATE INDEX "idx_messages_human_outbound" ON "messages"("lead_id", "sender_id", "sent_at") WHERE (direction = 'outbound' AND NOT is_automated);

-- CreateIndex
CREATE INDEX "sequence_events_opened_at_idx" ON "sequence_events"("opened_at");

-- CreateIndex
CREATE INDEX "sequence_events_clicked_at_idx" ON "sequence_events"("clicked_at");
