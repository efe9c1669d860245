-- CreateTable
CREATE TABLE "channels" (
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channels_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "sync_checkpoints" (
    "channel" TEXT NOT NULL,
    "next_block" BIGINT NOT NULL DEFAULT 0,
    "last_block_hash" TEXT,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,

    CONSTRAINT "sync_checkpoints_pkey" PRIMARY KEY ("channel")
);

-- CreateTable
CREATE TABLE "blocks" (
    "channel" TEXT NOT NULL,
    "number" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "previous_hash" TEXT NOT NULL,
    "data_hash" TEXT NOT NULL,
    "tx_count" INTEGER NOT NULL,
    "is_config" BOOLEAN NOT NULL,
    "created_at" TIMESTAMPTZ(6),
    "indexed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blocks_pkey" PRIMARY KEY ("channel","number")
);

-- CreateTable
CREATE TABLE "transactions" (
    "channel" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "tx_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "validation_code" TEXT NOT NULL,
    "is_valid" BOOLEAN NOT NULL,
    "creator_msp_id" TEXT,
    "creator_id" TEXT,
    "endorsers" JSONB NOT NULL DEFAULT '[]',
    "chaincode" TEXT,
    "function" TEXT,
    "created_at" TIMESTAMPTZ(6),

    CONSTRAINT "transactions_pkey" PRIMARY KEY ("channel","block_number","tx_index")
);

-- CreateTable
CREATE TABLE "tx_reads" (
    "channel" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "namespace" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "version_block" BIGINT,
    "version_tx" INTEGER,

    CONSTRAINT "tx_reads_pkey" PRIMARY KEY ("channel","block_number","tx_index","namespace","key")
);

-- CreateTable
CREATE TABLE "tx_writes" (
    "channel" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "namespace" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "is_delete" BOOLEAN NOT NULL,
    "value" BYTEA,

    CONSTRAINT "tx_writes_pkey" PRIMARY KEY ("channel","block_number","tx_index","namespace","key")
);

-- CreateTable
CREATE TABLE "chaincode_events" (
    "channel" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "chaincode" TEXT NOT NULL,
    "event_name" TEXT NOT NULL,
    "payload" BYTEA,

    CONSTRAINT "chaincode_events_pkey" PRIMARY KEY ("channel","block_number","tx_index")
);

-- CreateTable
CREATE TABLE "state" (
    "channel" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" BYTEA,
    "is_deleted" BOOLEAN NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "tx_id" TEXT NOT NULL,

    CONSTRAINT "state_pkey" PRIMARY KEY ("channel","namespace","key")
);

-- CreateTable
CREATE TABLE "assets" (
    "channel" TEXT NOT NULL,
    "chaincode" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "attributes" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "created_block" BIGINT NOT NULL,
    "created_tx_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6),
    "updated_block" BIGINT NOT NULL,
    "updated_tx_id" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6),

    CONSTRAINT "assets_pkey" PRIMARY KEY ("channel","chaincode","id")
);

-- CreateTable
CREATE TABLE "asset_history" (
    "channel" TEXT NOT NULL,
    "chaincode" TEXT NOT NULL,
    "asset_id" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "tx_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "attributes" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(6),

    CONSTRAINT "asset_history_pkey" PRIMARY KEY ("channel","chaincode","asset_id","block_number","tx_index")
);

-- CreateTable
CREATE TABLE "token_accounts" (
    "channel" TEXT NOT NULL,
    "chaincode" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "balance" DECIMAL(20,0) NOT NULL,
    "updated_block" BIGINT NOT NULL,
    "updated_tx_id" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(6),

    CONSTRAINT "token_accounts_pkey" PRIMARY KEY ("channel","chaincode","account")
);

-- CreateTable
CREATE TABLE "token_transfers" (
    "channel" TEXT NOT NULL,
    "chaincode" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "tx_index" INTEGER NOT NULL,
    "tx_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "from_account" TEXT,
    "to_account" TEXT NOT NULL,
    "amount" DECIMAL(20,0) NOT NULL,
    "at" TIMESTAMPTZ(6),

    CONSTRAINT "token_transfers_pkey" PRIMARY KEY ("channel","chaincode","block_number","tx_index")
);

-- CreateIndex
CREATE INDEX "blocks_channel_created_at_idx" ON "blocks"("channel", "created_at");

-- CreateIndex
CREATE INDEX "transactions_tx_id_idx" ON "transactions"("tx_id");

-- CreateIndex
CREATE INDEX "transactions_channel_chaincode_block_number_idx" ON "transactions"("channel", "chaincode", "block_number");

-- CreateIndex
CREATE INDEX "transactions_channel_creator_msp_id_block_number_idx" ON "transactions"("channel", "creator_msp_id", "block_number");

-- CreateIndex
CREATE INDEX "transactions_channel_validation_code_block_number_idx" ON "transactions"("channel", "validation_code", "block_number");

-- CreateIndex
CREATE INDEX "transactions_channel_created_at_idx" ON "transactions"("channel", "created_at");

-- CreateIndex
CREATE INDEX "tx_writes_channel_namespace_key_block_number_idx" ON "tx_writes"("channel", "namespace", "key", "block_number");

-- CreateIndex
CREATE INDEX "chaincode_events_channel_chaincode_event_name_block_number_idx" ON "chaincode_events"("channel", "chaincode", "event_name", "block_number");

-- CreateIndex
CREATE INDEX "assets_channel_owner_idx" ON "assets"("channel", "owner");

-- CreateIndex
CREATE INDEX "assets_channel_kind_idx" ON "assets"("channel", "kind");

-- CreateIndex
CREATE INDEX "assets_channel_updated_at_idx" ON "assets"("channel", "updated_at");

-- CreateIndex
CREATE INDEX "assets_channel_updated_block_idx" ON "assets"("channel", "updated_block");

-- CreateIndex
CREATE INDEX "asset_history_channel_tx_id_idx" ON "asset_history"("channel", "tx_id");

-- CreateIndex
CREATE INDEX "token_accounts_channel_balance_idx" ON "token_accounts"("channel", "balance");

-- CreateIndex
CREATE INDEX "token_transfers_channel_from_account_block_number_idx" ON "token_transfers"("channel", "from_account", "block_number");

-- CreateIndex
CREATE INDEX "token_transfers_channel_to_account_block_number_idx" ON "token_transfers"("channel", "to_account", "block_number");

-- AddForeignKey
ALTER TABLE "sync_checkpoints" ADD CONSTRAINT "sync_checkpoints_channel_fkey" FOREIGN KEY ("channel") REFERENCES "channels"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "blocks" ADD CONSTRAINT "blocks_channel_fkey" FOREIGN KEY ("channel") REFERENCES "channels"("name") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_channel_block_number_fkey" FOREIGN KEY ("channel", "block_number") REFERENCES "blocks"("channel", "number") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tx_reads" ADD CONSTRAINT "tx_reads_channel_block_number_tx_index_fkey" FOREIGN KEY ("channel", "block_number", "tx_index") REFERENCES "transactions"("channel", "block_number", "tx_index") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tx_writes" ADD CONSTRAINT "tx_writes_channel_block_number_tx_index_fkey" FOREIGN KEY ("channel", "block_number", "tx_index") REFERENCES "transactions"("channel", "block_number", "tx_index") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "chaincode_events" ADD CONSTRAINT "chaincode_events_channel_block_number_tx_index_fkey" FOREIGN KEY ("channel", "block_number", "tx_index") REFERENCES "transactions"("channel", "block_number", "tx_index") ON DELETE CASCADE ON UPDATE CASCADE;
