-- AlterEnum
ALTER TYPE "ApiKeyScope" ADD VALUE 'team';

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "team_id" UUID;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "team_id" UUID;

-- CreateTable
CREATE TABLE "teams" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" VARCHAR(100) NOT NULL,
    "manager_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE UNIQUE INDEX "teams_manager_id_key" ON "teams"("manager_id");

-- CreateIndex
CREATE INDEX "api_keys_team_id_idx" ON "api_keys"("team_id");

-- CreateIndex
CREATE INDEX "users_team_id_idx" ON "users"("team_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "teams" ADD CONSTRAINT "teams_manager_id_fkey" FOREIGN KEY ("manager_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Data: every manager that users already point at (users.manager_id) gets a team of those users.
INSERT INTO "teams" ("name", "manager_id")
SELECT left(m."name", 80) || ' team ' || left(m."id"::text, 8), m."id"
  FROM "users" m
 WHERE EXISTS (SELECT 1 FROM "users" u WHERE u."manager_id" = m."id");
UPDATE "users" u SET "team_id" = t."id" FROM "teams" t WHERE u."manager_id" = t."manager_id";
