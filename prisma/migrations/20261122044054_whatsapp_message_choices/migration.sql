-- AlterTable
ALTER TABLE "whatsapp_messages" ADD COLUMN     "choices" JSONB;

-- CreateIndex
CREATE INDEX "whatsapp_messages_session_id_remote_jid_created_at_idx" ON "whatsapp_messages"("session_id", "remote_jid", "created_at");
