-- CreateTable
CREATE TABLE "ai_drafts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "owner_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "kind" VARCHAR(20) NOT NULL,
    "status" VARCHAR(20) NOT NULL DEFAULT 'pending',
    "text" TEXT NOT NULL,
    "engine" VARCHAR(10) NOT NULL,
    "channel" VARCHAR(20),
    "source_message_id" UUID,
    "dedupe_key" VARCHAR(200),
    "detail" JSONB,
    "sent_message_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at" TIMESTAMPTZ(6),

    CONSTRAINT "ai_drafts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ai_drafts_dedupe_key_key" ON "ai_drafts"("dedupe_key");

-- CreateIndex
CREATE INDEX "ai_drafts_owner_id_status_created_at_idx" ON "ai_drafts"("owner_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "ai_drafts_customer_id_status_idx" ON "ai_drafts"("customer_id", "status");

-- AddForeignKey
ALTER TABLE "ai_drafts" ADD CONSTRAINT "ai_drafts_owner_id_fkey" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ai_drafts" ADD CONSTRAINT "ai_drafts_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;
