/**
 * Prisma CLI configuration. The CLI runs its WebAssembly schema engine through the node-postgres
 * driver adapter, so `migrate deploy` needs no native engine download.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { defineConfig } from 'prisma/config';
import { DATABASE_URL, read } from './lib/config/settings.js';
import { checkPatchedVersion } from './lib/patches/versions.js';

// The schema's datasource reads DATABASE_URL: without it the CLI cannot read its own schema and
// falls back to downloading a native engine.
process.env.DATABASE_URL = read(DATABASE_URL);

// The two adapter patches below (listed in PATCHES.md) were written for one version of the adapter.
checkPatchedVersion('@prisma/adapter-pg');

const PG_NAME_OID = 19;
const PG_TEXT_OID = 25;

/**
 * The 6.19 adapter cannot map PostgreSQL's `name` type, which the schema engine reads from the
 * catalogs when it bookkeeps migrations (prisma/orm#27403, fixed in the 7.x adapter). Reporting
 * `name` columns as `text` is exact: both arrive as strings.
 */
class NameAsTextClient extends pg.Client {
  // @ts-expect-error pg's overloads cannot be re-declared one by one; this wraps all of them.
  override query(...args: unknown[]) {
    const fix = (r: unknown) => {
      for (const one of Array.isArray(r) ? r : [r]) {
        for (const f of (one as pg.QueryResult | undefined)?.fields ?? []) {
          if (f.dataTypeID === PG_NAME_OID) f.dataTypeID = PG_TEXT_OID;
        }
      }
      return r;
    };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, r: unknown) =>
        (last as (e: unknown, r: unknown) => void)(err, err ? r : fix(r));
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return out instanceof Promise ? out.then(fix) : out;
  }
}

/**
 * The 6.19 adapter runs a migration script by splitting it on every semicolon, which breaks
 * dollar-quoted function bodies (and semicolons in comments). PostgreSQL's simple query protocol
 * takes the whole script at once, and runs it as one implicit transaction: a failing migration
 * leaves nothing half-applied.
 */
class WholeScriptPrismaPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const client = (adapter as unknown as { client: pg.Pool }).client;
    adapter.executeScript = async (script: string) => {
      await client.query(script);
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  adapter: async () =>
    new WholeScriptPrismaPg(
      new pg.Pool({
        connectionString: process.env.DATABASE_URL,
        Client: NameAsTextClient as unknown as typeof pg.Client,
      }),
      { disposeExternalPool: true },
    ),
});
