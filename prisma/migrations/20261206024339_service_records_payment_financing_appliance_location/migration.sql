-- AlterEnum
ALTER TYPE "PaymentMethod" ADD VALUE 'financing';

-- AlterTable
ALTER TABLE "appliances" ADD COLUMN     "location" VARCHAR(100);
