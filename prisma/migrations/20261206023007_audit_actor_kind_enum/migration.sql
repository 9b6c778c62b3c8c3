-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('panel_user', 'api_key', 'contractor', 'customer', 'system');

-- AlterTable: the free-text actor_kind becomes the enum, every old spelling kept as its typed kind
-- (hand-written instead of the generated DROP/ADD COLUMN, so existing rows survive):
--   admin, user      → panel_user (the panel's own rows and the use cases it called)
--   api              → api_key
--   contractor       → api_key for segment.*/campaign.* (written for a contractor-scoped key),
--                      contractor otherwise (appeals sent from chat)
--   chat             → contractor (a contractor or marketer acting in chat)
--   customer, system → themselves; anything else → system
ALTER TABLE "audit_logs" ALTER COLUMN "actor_kind" TYPE "ActorKind" USING (
  CASE
    WHEN "actor_kind" IN ('admin', 'user', 'panel_user') THEN 'panel_user'
    WHEN "actor_kind" IN ('api', 'api_key') THEN 'api_key'
    WHEN "actor_kind" = 'contractor' AND ("action" LIKE 'segment.%' OR "action" LIKE 'campaign.%') THEN 'api_key'
    WHEN "actor_kind" IN ('contractor', 'chat') THEN 'contractor'
    WHEN "actor_kind" = 'customer' THEN 'customer'
    ELSE 'system'
  END
)::"ActorKind";
