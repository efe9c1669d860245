-- Secondary indexes of the sync tables put off during the cache's first load (src/sync/deferredIndexes.ts):
-- each definition is stored in the transaction that drops its index and removed in the one that
-- creates it again.

-- CreateTable
CREATE TABLE "sync_deferred_indexes" (
    "name" TEXT NOT NULL,
    "definition" TEXT NOT NULL,
    "deferred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_deferred_indexes_pkey" PRIMARY KEY ("name")
);
