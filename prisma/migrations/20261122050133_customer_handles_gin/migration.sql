-- CreateIndex
CREATE INDEX "customers_handles_idx" ON "customers" USING GIN ("handles" jsonb_path_ops);

-- Hand-written: no pending list. With fastupdate (the default) new entries queue in a list that
-- every search scans until a vacuum merges it, so a look-up by handle slows as leads arrive
-- between vacuums. The differ does not read index storage parameters: this survives.
ALTER INDEX "customers_handles_idx" SET (fastupdate = off);
