-- AlterTable
ALTER TABLE "customer_interactions" ADD COLUMN     "source_key" VARCHAR(200);

-- AlterTable
ALTER TABLE "customers" ADD COLUMN     "snoozed_until" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "message_templates" ADD COLUMN     "deleted_at" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "outbound_messages" ADD COLUMN     "read_at" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "prompt_templates" ADD COLUMN     "deleted_at" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "segments" ADD COLUMN     "deleted_at" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "sequence_templates" ADD COLUMN     "deleted_at" TIMESTAMPTZ(6);

-- CreateIndex
CREATE UNIQUE INDEX "customer_interactions_owner_id_source_key_key" ON "customer_interactions"("owner_id", "source_key");
