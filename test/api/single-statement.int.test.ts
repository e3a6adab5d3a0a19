/**
 * A create runs as one statement without BEGIN/COMMIT (inSingleStatement): atomic by itself. A
 * command that tries a second statement on that path is refused before it runs, so it can never
 * half-commit unnoticed.
 */
import { Prisma } from '@prisma/client';
import pg from 'pg';
import { inSingleStatement } from '../../lib/db/sql-tx.js';
import { createTestDatabase, type TestDatabase } from '../../scripts/test-database.js';

describe('inSingleStatement', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query('create table single_statement_probe (n int)');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  test('runs one statement and returns its rows', async () => {
    const rows = await inSingleStatement(pool, (sql) =>
      sql.query<{ n: number }>(Prisma.sql`insert into single_statement_probe values (${1}) returning n`),
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  test('refuses a second statement without running it', async () => {
    const twice = inSingleStatement(pool, async (sql) => {
      await sql.execute(Prisma.sql`insert into single_statement_probe values (${2})`);
      await sql.execute(Prisma.sql`insert into single_statement_probe values (${3})`);
    });
    await expect(twice).rejects.toThrow(/second statement/);
    const { rows } = await pool.query<{ n: number }>('select n from single_statement_probe where n = 3');
    expect(rows).toEqual([]);
  });
});
