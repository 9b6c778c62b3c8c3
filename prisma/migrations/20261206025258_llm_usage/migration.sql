-- CreateTable
CREATE TABLE "llm_usage" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "feature" VARCHAR(100) NOT NULL,
    "model" VARCHAR(100) NOT NULL,
    "prompt_version" INTEGER,
    "owner_id" UUID,
    "outcome" VARCHAR(30) NOT NULL,
    "tokens_in" INTEGER NOT NULL DEFAULT 0,
    "tokens_out" INTEGER NOT NULL DEFAULT 0,
    "cached_tokens" INTEGER NOT NULL DEFAULT 0,
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "est_cost_micros" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "llm_usage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "llm_usage_created_at_idx" ON "llm_usage"("created_at");

-- CreateIndex
CREATE INDEX "llm_usage_owner_id_created_at_idx" ON "llm_usage"("owner_id", "created_at");
