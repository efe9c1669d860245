-- The bulk tables of the ledger index lose their foreign keys to their parent rows. The sync worker
-- writes a block, its transactions and their read/write sets and events in ONE transaction, parents
-- first, and never updates or deletes them; the per-row checks were about half of PostgreSQL's work
-- during catch-up (bench/RESULTS.md). blocks -> channels and sync_checkpoints -> channels stay.

-- DropForeignKey
ALTER TABLE "chaincode_events" DROP CONSTRAINT "chaincode_events_channel_block_number_tx_index_fkey";

-- DropForeignKey
ALTER TABLE "transactions" DROP CONSTRAINT "transactions_channel_block_number_fkey";

-- DropForeignKey
ALTER TABLE "tx_reads" DROP CONSTRAINT "tx_reads_channel_block_number_tx_index_fkey";

-- DropForeignKey
ALTER TABLE "tx_writes" DROP CONSTRAINT "tx_writes_channel_block_number_tx_index_fkey";
