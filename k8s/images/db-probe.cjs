// Exec probe for processes that serve no HTTP (the outbox janitor): exits 0 when the database in
// DATABASE_URL answers `select 1` within 5 seconds, 1 otherwise.
const { Client } = require('pg');

const client = new Client({
  connectionString: process.env.DATABASE_URL,
  connectionTimeoutMillis: 5000,
  application_name: 'probe',
});
const timer = setTimeout(() => process.exit(1), 5000);
client
  .connect()
  .then(() => client.query('select 1'))
  .then(() => client.end())
  .then(
    () => {
      clearTimeout(timer);
      process.exit(0);
    },
    () => process.exit(1),
  );
