-- AlterTable
ALTER TABLE "appliances" ADD COLUMN     "bio_age_years" DECIMAL(6,2),
ADD COLUMN     "fail_probability" DECIMAL(5,4),
ADD COLUMN     "forensic_inputs" JSONB,
ADD COLUMN     "health_computed_at" TIMESTAMPTZ(6),
ADD COLUMN     "health_score" INTEGER,
ADD COLUMN     "verdict" VARCHAR(20);

-- AlterTable
ALTER TABLE "opportunities" ADD COLUMN     "appliance_id" UUID,
ADD COLUMN     "close_reason" VARCHAR(500),
ADD COLUMN     "closed_at" TIMESTAMPTZ(6),
ADD COLUMN     "dedupe_key" VARCHAR(200),
ADD COLUMN     "est_value_usd" DECIMAL(12,2),
ADD COLUMN     "nurture_checked_at" TIMESTAMPTZ(6),
ADD COLUMN     "revenue_usd" DECIMAL(12,2),
ADD COLUMN     "source" VARCHAR(30) NOT NULL DEFAULT 'manual';

-- CreateTable
CREATE TABLE "appliance_survival_models" (
    "appliance_type" VARCHAR(100) NOT NULL,
    "label" VARCHAR(100) NOT NULL,
    "shape_k" DECIMAL(6,3) NOT NULL,
    "scale_years" DECIMAL(6,2) NOT NULL,
    "service_interval_months" INTEGER NOT NULL DEFAULT 12,
    "neglect_per_year" DECIMAL(6,3) NOT NULL DEFAULT 0.15,
    "hardness_per_gpg" DECIMAL(6,3) NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appliance_survival_models_pkey" PRIMARY KEY ("appliance_type")
);

-- CreateIndex
CREATE INDEX "appliances_health_computed_at_idx" ON "appliances"("health_computed_at");

-- CreateIndex
CREATE UNIQUE INDEX "opportunities_dedupe_key_key" ON "opportunities"("dedupe_key");

-- CreateIndex
CREATE INDEX "opportunities_owner_id_opportunity_type_idx" ON "opportunities"("owner_id", "opportunity_type");

-- CreateIndex
CREATE INDEX "opportunities_customer_id_idx" ON "opportunities"("customer_id");

-- CreateIndex
CREATE INDEX "opportunities_appliance_id_idx" ON "opportunities"("appliance_id");

-- CreateIndex
CREATE INDEX "opportunities_nurture_checked_at_idx" ON "opportunities"("nurture_checked_at");

-- AddForeignKey
ALTER TABLE "opportunities" ADD CONSTRAINT "opportunities_appliance_id_fkey" FOREIGN KEY ("appliance_id") REFERENCES "appliances"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written: the model's parameters are data (docs/forensics.md). Shape k >= 1 (wear-out).
ALTER TABLE "appliance_survival_models" ADD CONSTRAINT "appliance_survival_models_shape_check" CHECK ("shape_k" >= 1 AND "shape_k" <= 20);
ALTER TABLE "appliance_survival_models" ADD CONSTRAINT "appliance_survival_models_scale_check" CHECK ("scale_years" > 0);
ALTER TABLE "appliance_survival_models" ADD CONSTRAINT "appliance_survival_models_factors_check" CHECK ("service_interval_months" > 0 AND "neglect_per_year" >= 0 AND "hardness_per_gpg" >= 0);
INSERT INTO "appliance_survival_models" ("appliance_type", "label", "shape_k", "scale_years", "service_interval_months", "neglect_per_year", "hardness_per_gpg") VALUES
  ('water_heater',          'Water heater (tank)',     3.0, 12.5, 12, 0.15, 0.04),
  ('tankless_water_heater', 'Tankless water heater',   2.5, 22.0, 12, 0.15, 0.06),
  ('furnace',               'Furnace',                 3.0, 22.0, 12, 0.15, 0),
  ('air_conditioner',       'Air conditioner',         3.0, 16.0, 12, 0.15, 0),
  ('heat_pump',             'Heat pump',               3.0, 15.0, 12, 0.15, 0),
  ('boiler',                'Boiler',                  2.5, 25.0, 12, 0.15, 0.02)
ON CONFLICT ("appliance_type") DO NOTHING;
INSERT INTO "settings" ("key", "value", "updated_at") VALUES
  ('forensics.model', '{"replaceAtFailProbability": 0.25, "maintainAtFailProbability": 0.10, "hardnessThresholdGpg": 7, "maxNeglectFactor": 3, "brandFactors": {}}', CURRENT_TIMESTAMP)
ON CONFLICT ("key") DO NOTHING;
-- Opportunities that exist already were nurtured (or not) by whoever made them: never enrol them again.
UPDATE "opportunities" SET "nurture_checked_at" = "created_at" WHERE "nurture_checked_at" IS NULL;
UPDATE "opportunities" SET "est_value_usd" = CASE "opportunity_type"
  WHEN 'replacement' THEN 18000.00 WHEN 'code_violation' THEN 6500.00 WHEN 'maintenance' THEN 450.00 END
  WHERE "est_value_usd" IS NULL;
