-- CreateEnum
CREATE TYPE "SubmissionMode" AS ENUM ('SYNC', 'ASYNC');

-- CreateEnum
CREATE TYPE "SubmissionStatus" AS ENUM ('QUEUED', 'SUBMITTED', 'COMMITTED', 'FAILED');

-- CreateTable
CREATE TABLE "submissions" (
    "id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "identity_label" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "chaincode" TEXT NOT NULL,
    "contract" TEXT,
    "function" TEXT NOT NULL,
    "arguments" JSONB NOT NULL,
    "request_hash" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "mode" "SubmissionMode" NOT NULL,
    "status" "SubmissionStatus" NOT NULL,
    "tx_id" TEXT,
    "block_number" BIGINT,
    "validation_code" TEXT,
    "result" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "attempt_from_block" BIGINT,
    "attempt_started_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(6),

    CONSTRAINT "submissions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "submissions_tx_id_key" ON "submissions"("tx_id");

-- CreateIndex
CREATE INDEX "submissions_mode_status_idx" ON "submissions"("mode", "status");

-- CreateIndex
CREATE UNIQUE INDEX "submissions_user_id_idempotency_key_key" ON "submissions"("user_id", "idempotency_key");
