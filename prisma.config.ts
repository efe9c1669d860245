// Prisma 7 configuration, read by every `prisma …` command (generate, migrate, db, studio).
import path from 'node:path';
import { defineConfig } from 'prisma/config';

/** Where the local PostgreSQL of a developer machine keeps the read cache (see README "Database"). */
const LOCAL_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/ledger_gateway';

// Prisma's native schema engine is downloaded from Prisma's own server on first use, which our
// machines cannot reach. The same engine is published on npm as WebAssembly; this stand-in gives it
// the binary's interface (see the header of prisma/engine/schema-engine.js). An engine chosen by
// the caller wins.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'prisma', 'engine', 'schema-engine.js');

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: {
    url: process.env.DATABASE_URL ?? LOCAL_DATABASE_URL,
    // Optional: a database that `migrate dev` / `db:check` may wipe, for users who cannot CREATE DATABASE.
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
