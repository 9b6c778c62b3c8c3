-- AlterTable
ALTER TABLE "bids" ADD COLUMN     "window_warn_at" TIMESTAMPTZ(6);

-- AlterTable
ALTER TABLE "lead_sources" ADD COLUMN     "retired_at" TIMESTAMPTZ(6),
ADD COLUMN     "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "leads" ADD COLUMN     "discount_table" JSONB,
ADD COLUMN     "response_window_seconds" INTEGER,
ADD COLUMN     "strikes_to_ban" INTEGER,
ADD COLUMN     "window_warning_seconds" INTEGER;
