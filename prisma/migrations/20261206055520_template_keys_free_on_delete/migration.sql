-- DropIndex
DROP INDEX "message_templates_owner_id_key_language_key";

-- DropIndex
DROP INDEX "message_templates_platform_key";

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_owner_id_key_language_key" ON "message_templates"("owner_id", "key", "language") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "message_templates_platform_key" ON "message_templates"("key", "language") WHERE (owner_id IS NULL AND deleted_at IS NULL);
