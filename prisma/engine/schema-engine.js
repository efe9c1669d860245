#!/usr/bin/env node
/*
 * Stand-in for Prisma's native `schema-engine` binary, backed by the WebAssembly build of the same
 * engine (`@prisma/schema-engine-wasm`) and the PostgreSQL driver adapter (`@prisma/adapter-pg`).
 *
 * Why: `prisma generate` and every `prisma migrate …` / `prisma db …` command start the native
 * schema engine, which the CLI downloads on first use from Prisma's own server. Our machines (and
 * CI) only reach the npm registry, so that download fails. The engine itself is also published on
 * npm as WebAssembly; this program gives it the binary's command-line interface, so the ordinary
 * CLI works unchanged. prisma.config.ts points `PRISMA_SCHEMA_ENGINE_BINARY` here.
 *
 * The interface the CLI expects from the binary (read from node_modules/prisma/build/cli.js):
 *   schema-engine --version                                  -> prints "schema-engine-cli <hash>"
 *   schema-engine --datasource '{"url":…}' cli <command>     -> one-shot: can-connect-to-database,
 *                                                               create-database, drop-database;
 *                                                               errors as JSON log lines on stderr
 *   schema-engine [--datamodels <file>]… [--datasource '{"url":…,"shadowDatabaseUrl":…}']
 *                                                            -> JSON-RPC 2.0, one message per line,
 *                                                               requests on stdin, answers on stdout
 *
 * Known problems of the Wasm engine + adapter pair that this file works around:
 *   1. catalog columns of type "char" (oid 18) and name (oid 19) cannot be turned into engine
 *      values: the pg client below reports them as text (oid 25);
 *   2. the adapter's `executeScript` splits the script on every ';' (breaks `$$` bodies and string
 *      literals): we send the whole script in one simple-protocol query, as the native engine does;
 *   3. the adapter drops its throw-away shadow database before closing the pool that still holds
 *      connections to it (so the drop fails and the database leaks, and the main pool is never
 *      closed): we close that pool first, then drop the database;
 *   4. `evaluateDataLoss` fails after migrations were applied in the same engine until its cache is
 *      primed again by `devDiagnostic`: on failure we run `devDiagnostic` and retry once;
 *   5. the engine calls the factory's functions unbound and expects Result objects: the factory is
 *      passed through `bindMigrationAwareSqlAdapterFactory` of the adapter's own utils package;
 *   6. the engine connects to the datasource when it is created, so `migrate diff` fails when
 *      DATABASE_URL names a database that does not exist yet (see RpcServer.engineFor).
 *
 * Plain CommonJS JavaScript on purpose: the CLI spawns this file directly (shebang), also in
 * production images where dev dependencies such as tsx are not installed.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { randomUUID } = require('node:crypto');
const { createRequire } = require('node:module');

const pg = require('pg');
const { PrismaPg } = require('@prisma/adapter-pg');
// The utils of the same version that the adapter uses (its DriverAdapterError class must match).
const adapterRequire = createRequire(require.resolve('@prisma/adapter-pg'));
const { bindMigrationAwareSqlAdapterFactory, DriverAdapterError } = adapterRequire('@prisma/driver-adapter-utils');

const PG_TEXT_OID = 25;
const PG_CHAR_OID = 18;
const PG_NAME_OID = 19;

/** Debug logs (the CLI shows them with DEBUG=prisma:schemaEngine*), in the binary's stderr format. */
function log(level, message, extra) {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...extra },
    target: level === 'ERROR' ? 'schema_engine::logger' : 'schema_engine',
  };
  process.stderr.write(JSON.stringify(line) + '\n');
}

// ---------------------------------------------------------------------------------------------
// The Wasm engine

/**
 * Loads the engine. The package's entry imports the .wasm file as an ES module, which Node 20 does
 * not do without a flag, so we instantiate the module ourselves with the package's JS glue.
 */
async function loadWasmEngine() {
  const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const glue = await import(gluePath);
  const bytes = fs.readFileSync(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  checkEngineVersion(glue.version());
  return glue;
}

/** The Wasm engine must be the build that the installed CLI was released with. */
function checkEngineVersion(wasmHash) {
  const prismaRequire = createRequire(require.resolve('prisma/package.json'));
  let expected;
  try {
    expected = prismaRequire('@prisma/engines-version').enginesVersion;
  } catch {
    expected = createRequire(prismaRequire.resolve('@prisma/engines'))('@prisma/engines-version').enginesVersion;
  }
  if (expected !== wasmHash) {
    throw new Error(
      `@prisma/schema-engine-wasm is build ${wasmHash} but the prisma CLI expects ${expected}: ` +
        `install @prisma/schema-engine-wasm at the version of the installed @prisma/engines-version`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL side: a pg client that reports "char"/name columns as text, and an adapter factory

/** Rewrites the column types that the adapter cannot convert (workaround 1). */
function retypeFields(result) {
  for (const res of Array.isArray(result) ? result : [result]) {
    for (const field of res?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID || field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

class TextCatalogClient extends pg.Client {
  query(config, values, callback) {
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (typeof callback === 'function') {
      return super.query(config, values, (err, res) => callback(err, err ? res : retypeFields(res)));
    }
    const out = super.query(config, values);
    // Submittable queries (cursors, streams) return themselves, not a promise.
    return out && typeof out.then === 'function' ? out.then(retypeFields) : out;
  }
}

/** A pg error turned into the adapter's error type, as the adapter itself does for other queries. */
function toAdapterError(error) {
  if (error && typeof error.code === 'string' && typeof error.severity === 'string') {
    return new DriverAdapterError({
      kind: 'postgres',
      code: error.code,
      severity: error.severity,
      message: error.message,
      detail: error.detail,
      column: error.column,
      hint: error.hint,
      originalCode: error.code,
      originalMessage: error.message,
    });
  }
  return error;
}

/** Opens an adapter over its own pool; `afterClose` runs once the pool is closed. */
async function openAdapter(connectionString, afterClose) {
  const adapter = await new PrismaPg({ connectionString, Client: TextCatalogClient, max: 4 }).connect();
  const pool = adapter.underlyingDriver();
  // Workaround 2: one simple-protocol query for the whole script, so `$$ … ; … $$` stays intact.
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      throw toAdapterError(error);
    }
  };
  if (afterClose) {
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await afterClose();
    };
  }
  return adapter;
}

function databaseUrl(url, database) {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || new URL(url).username || 'postgres';
}

function quoteIdent(name) {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Runs `fn` with a client connected to the server's maintenance database. */
async function withAdminClient(url, fn) {
  const client = new pg.Client({ connectionString: databaseUrl(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The migration-aware adapter factory the engine needs: the main database, plus throw-away shadow
 * databases for `migrate dev` / `migrate diff --from-migrations` (workaround 3).
 */
function createAdapterFactory(datasource) {
  const url = datasource.url;
  const requireUrl = () => {
    if (!url) throw new Error('no datasource url: set DATABASE_URL (see prisma.config.ts)');
    return url;
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => openAdapter(requireUrl()),
    connectToShadowDb: async () => {
      if (datasource.shadowDatabaseUrl) return openAdapter(datasource.shadowDatabaseUrl);
      const main = requireUrl();
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      await withAdminClient(main, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      return openAdapter(databaseUrl(main, name), () =>
        withAdminClient(main, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One-shot commands: `--datasource {...} cli <command>`

/** Maps a connection error to the Prisma error code the CLI understands. */
function connectionErrorCode(error, url) {
  const u = new URL(url);
  const where = `${u.hostname}:${u.port || '5432'}`;
  switch (error && error.code) {
    case '3D000':
      return ['P1003', `Database \`${databaseName(url)}\` does not exist on the database server at \`${where}\`.`];
    case '28P01':
    case '28000':
      return ['P1000', `Authentication failed against database server at \`${where}\`: ${error.message}`];
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return ['P1001', `Can't reach database server at \`${where}\`\n\nPlease make sure your database server is running at \`${where}\`.`];
    default:
      return [undefined, error instanceof Error ? error.message : String(error)];
  }
}

async function runCli(command, datasource) {
  const url = datasource.url;
  if (!url) throw new Error('the datasource has no url');
  switch (command) {
    case 'can-connect-to-database': {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      return 'Connection successful';
    }
    case 'create-database': {
      const name = databaseName(url);
      await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      return `Database '${name}' was successfully created.`;
    }
    case 'drop-database': {
      const name = databaseName(url);
      await withAdminClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`));
      return `The database '${name}' was successfully dropped.`;
    }
    default:
      throw new Error(`unknown cli command: ${command}`);
  }
}

async function mainCli(command, datasource) {
  // The CLI skips the first stderr line and parses every other line as JSON (no trailing newline).
  const lines = [JSON.stringify({ level: 'INFO', fields: { message: `schema-engine stand-in: cli ${command}` }, target: 'schema_engine' })];
  try {
    const message = await runCli(command, datasource);
    process.stdout.write(message + '\n');
    process.stderr.write(lines[0]);
    return 0;
  } catch (error) {
    const [code, message] = connectionErrorCode(error, datasource.url || 'postgresql://localhost');
    lines.push(JSON.stringify({ level: 'ERROR', fields: { is_panic: false, error_code: code, message }, target: 'schema_engine::logger' }));
    process.stderr.write(lines.join('\n'));
    return 1;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON-RPC server: the long-running mode used by migrate, db and diff commands

/** Turns whatever the engine rejected with into the binary's JSON-RPC error object. */
function rpcError(error) {
  const raw = error instanceof Error ? error.message : String(error);
  let data = { is_panic: false, message: raw };
  // User-facing engine errors arrive as JSON ({ is_panic, message, meta, error_code }).
  try {
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && typeof parsed.message === 'string') data = { is_panic: false, ...parsed };
  } catch {
    // plain message
  }
  if (error instanceof WebAssembly.RuntimeError) data.is_panic = true;
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

/** Does `diff` read the live database (the datasource), or only files and the shadow database? */
function diffReadsLiveDatabase(params) {
  const live = (target) => !target || target.tag === 'url' || target.tag === 'schemaDatasource';
  return live(params.from) || live(params.to);
}

/** True only when the server answers that the database does not exist. */
async function databaseMissing(url) {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return false;
  } catch (error) {
    return Boolean(error && error.code === '3D000');
  } finally {
    await client.end().catch(() => undefined);
  }
}

class RpcServer {
  constructor(glue, datamodels, datasource) {
    this.glue = glue;
    this.datamodels = datamodels;
    this.datasource = datasource;
    this.engine = undefined;
    this.diffOnly = false;
    this.queue = Promise.resolve();
    this.nextPrintId = 1;
    this.pendingPrints = new Map();
  }

  /**
   * The Wasm engine connects to the datasource as soon as it is created (the binary waits until a
   * command needs it), so it is created on the first request. Workaround 6: `migrate diff` between
   * migrations and a schema (our `db:check`) needs no database but a throw-away shadow one, so when
   * DATABASE_URL names a database that does not exist yet, that one command runs connected to the
   * server's maintenance database instead, and nothing else may run on that engine.
   */
  async engineFor(method, params) {
    if (this.engine) {
      if (this.diffOnly && method !== 'diff') throw new Error(`"${method}" needs the datasource database, which does not exist`);
      return this.engine;
    }
    let datasource = this.datasource;
    if (method === 'diff' && !diffReadsLiveDatabase(params) && datasource.url && !datasource.shadowDatabaseUrl && (await databaseMissing(datasource.url))) {
      log('INFO', `database ${databaseName(datasource.url)} does not exist; diffing through the maintenance database`);
      datasource = { ...datasource, url: databaseUrl(datasource.url, 'postgres') };
      this.diffOnly = true;
    }
    const factory = bindMigrationAwareSqlAdapterFactory(createAdapterFactory(datasource));
    this.engine = await this.glue.SchemaEngine.new(
      { datamodels: this.datamodels.length > 0 ? this.datamodels : undefined },
      // The engine logs JSON lines in the binary's own stderr format already: pass them through.
      (message) => process.stderr.write(String(message).trimEnd() + '\n'),
      factory,
    );
    return this.engine;
  }

  send(message) {
    process.stdout.write(JSON.stringify(message) + '\n');
  }

  /** Asks the CLI to print text (how the binary returns `migrate diff` output) and waits for its ack. */
  print(content) {
    const id = `print-${this.nextPrintId++}`;
    return new Promise((resolve) => {
      this.pendingPrints.set(id, resolve);
      this.send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });
  }

  onLine(line) {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      log('ERROR', `unparseable JSON-RPC line: ${line.slice(0, 200)}`);
      return;
    }
    if (!msg.method) {
      const ack = this.pendingPrints.get(msg.id);
      if (ack) {
        this.pendingPrints.delete(msg.id);
        ack();
      }
      return;
    }
    // The engine keeps state between calls: answer one request at a time, in order.
    this.queue = this.queue.then(() => this.handle(msg));
  }

  async createDatabase() {
    const url = this.datasource.url;
    if (!url) throw new Error('the datasource has no url');
    const name = databaseName(url);
    await withAdminClient(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
    return { databaseName: name };
  }

  async handle(msg) {
    try {
      const result = await this.dispatch(msg.method, msg.params ?? {});
      this.send({ jsonrpc: '2.0', id: msg.id, result: result ?? {} });
    } catch (error) {
      log('ERROR', `${msg.method} failed: ${error instanceof Error ? error.message : String(error)}`);
      this.send({ jsonrpc: '2.0', id: msg.id, error: rpcError(error) });
    }
  }

  async dispatch(method, params) {
    if (method === 'createDatabase') return this.createDatabase();
    const engine = await this.engineFor(method, params);
    switch (method) {
      case 'diff': {
        const result = await engine.diff(params);
        if (result.stdout) await this.print(result.stdout.replace(/\n$/, ''));
        return { exitCode: result.exitCode };
      }
      case 'evaluateDataLoss':
        // Workaround 4.
        try {
          return await engine.evaluateDataLoss(params);
        } catch (error) {
          log('INFO', `evaluateDataLoss failed (${error instanceof Error ? error.message : String(error)}); priming with devDiagnostic and retrying`);
          await engine.devDiagnostic({ migrationsList: params.migrationsList, filters: params.filters });
          return await engine.evaluateDataLoss(params);
        }
      case 'getDatabaseVersion':
        return engine.version(params);
      case 'reset':
        await engine.reset(params);
        return {};
      case 'dbExecute':
        await engine.dbExecute(params);
        return {};
      case 'applyMigrations':
      case 'createMigration':
      case 'devDiagnostic':
      case 'diagnoseMigrationHistory':
      case 'ensureConnectionValidity':
      case 'introspect':
      case 'introspectSql':
      case 'markMigrationApplied':
      case 'markMigrationRolledBack':
      case 'schemaPush':
        return engine[method](params);
      case 'debugPanic':
        engine.debugPanic();
        return {};
      default:
        throw new Error(`the Wasm schema engine stand-in does not support the method "${method}"`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry point

function parseArgs(argv) {
  const args = { datamodels: [], datasource: {}, cli: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--version' || a === '-V') args.version = true;
    else if (a === '--datamodels') args.datamodels.push(argv[++i]);
    else if (a === '--datasource') args.datasource = JSON.parse(argv[++i] ?? '{}');
    else if (a === '--enabled-preview-features' || a === '--extension-types') i++;
    else if (a === 'cli') args.cli = argv[++i];
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.cli) return mainCli(args.cli, args.datasource);

  const glue = await loadWasmEngine();
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${glue.version()}\n`);
    return 0;
  }

  const datamodels = args.datamodels.map((file) => [file, fs.readFileSync(file, 'utf8')]);
  const server = new RpcServer(glue, datamodels, args.datasource);
  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  input.on('line', (line) => server.onLine(line));
  await new Promise((resolve) => input.on('close', resolve));
  await server.queue;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    log('ERROR', error instanceof Error ? error.stack || error.message : String(error));
    process.exit(1);
  },
);
