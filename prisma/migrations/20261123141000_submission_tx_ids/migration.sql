-- AlterTable
ALTER TABLE "submissions" DROP COLUMN "attempt_from_block";

-- CreateTable
CREATE TABLE "submission_tx_ids" (
    "tx_id" TEXT NOT NULL,
    "submission_id" UUID NOT NULL,
    "recorded_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "not_sent" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "submission_tx_ids_pkey" PRIMARY KEY ("tx_id")
);

-- CreateIndex
CREATE INDEX "submission_tx_ids_submission_id_idx" ON "submission_tx_ids"("submission_id");

-- AddForeignKey
ALTER TABLE "submission_tx_ids" ADD CONSTRAINT "submission_tx_ids_submission_id_fkey" FOREIGN KEY ("submission_id") REFERENCES "submissions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
