-- CreateEnum
CREATE TYPE "user_role" AS ENUM ('ADMIN', 'USER');

-- CreateTable
CREATE TABLE "fabric_identities" (
    "id" UUID NOT NULL,
    "label" TEXT NOT NULL,
    "enrollment_id" TEXT NOT NULL,
    "msp_id" TEXT NOT NULL,
    "certificate" TEXT NOT NULL,
    "key_ciphertext" BYTEA NOT NULL,
    "key_iv" BYTEA NOT NULL,
    "key_auth_tag" BYTEA NOT NULL,
    "key_version" INTEGER NOT NULL,
    "not_after" TIMESTAMPTZ(6) NOT NULL,
    "revoked" BOOLEAN NOT NULL DEFAULT false,
    "revoked_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fabric_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "user_role" NOT NULL DEFAULT 'USER',
    "msp_id" TEXT NOT NULL,
    "fabric_identity_id" UUID,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "disabled_at" TIMESTAMPTZ(6),
    "last_login_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "fabric_identities_label_key" ON "fabric_identities"("label");

-- CreateIndex
CREATE INDEX "fabric_identities_revoked_not_after_idx" ON "fabric_identities"("revoked", "not_after");

-- CreateIndex
CREATE UNIQUE INDEX "fabric_identities_msp_id_enrollment_id_key" ON "fabric_identities"("msp_id", "enrollment_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_username_key" ON "users"("username");

-- CreateIndex
CREATE UNIQUE INDEX "users_fabric_identity_id_key" ON "users"("fabric_identity_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_fabric_identity_id_fkey" FOREIGN KEY ("fabric_identity_id") REFERENCES "fabric_identities"("id") ON DELETE SET NULL ON UPDATE CASCADE;
