-- AlterTable
ALTER TABLE "outbound_messages" DROP COLUMN "max_attempts",
ADD COLUMN     "first_attempt_at" TIMESTAMPTZ(6);

-- Hand-written: the old CHECK (attempts >= 0 AND max_attempts >= 1) went with the column; keep its
-- first half. Rows already retrying count their retry window from their creation.
ALTER TABLE "outbound_messages" DROP CONSTRAINT IF EXISTS "outbound_messages_attempts_check";
ALTER TABLE "outbound_messages" ADD CONSTRAINT "outbound_messages_attempts_check" CHECK ("attempts" >= 0);
UPDATE "outbound_messages" SET "first_attempt_at" = "created_at" WHERE "attempts" > 0;
