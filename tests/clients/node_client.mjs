// node-postgres (npm `pg`, pinned in package.json) through the pgwarden proxy: what a Node.js
// application sees when the policy refuses a statement. Run by
// tests/unit/proxy/clients_test.cpp, which owns the database (the demo schema of
// tests/support/proxy_fixture.hpp) and asserts on the lines printed here and on the server's own
// rows afterwards.
//
// pg sends a query without parameters as a simple Query, one with parameters as the extended
// protocol (Parse/Bind/Describe/Execute/Sync, unnamed), and a query with a `name` as a named
// prepared statement that it parses once and then only binds; with `pipeline: true` it writes
// queries without waiting for the previous answers. Each scenario prints `key=value` lines;
// an unexpected failure ends the program with exit code 1 and no `done=` line.
//
// Usage: node node_client.mjs CONNECTION_STRING
import pg from 'pg';

const out = (key, value) => process.stdout.write(`${key}=${String(value).replace(/\n/g, ' ')}\n`);

// Runs a query that must fail; prints its SQLSTATE, severity, message and hint.
async function refusal(key, client, query, values) {
  try {
    await client.query(query, values);
    out(`${key}.code`, 'none: the statement ran');
  } catch (err) {
    out(`${key}.code`, err.code);
    out(`${key}.severity`, err.severity);
    out(`${key}.message`, err.message);
    out(`${key}.hint`, err.hint ?? '');
  }
}

async function main() {
  const client = new pg.Client({ connectionString: process.argv[2], connectionTimeoutMillis: 10000 });
  await client.connect();

  // Simple protocol (no parameters), then the extended protocol (parameters, unnamed statement).
  await refusal('simple', client, 'DELETE FROM users WHERE id = 1');
  await refusal('extended', client, 'DELETE FROM users WHERE id = $1', [1]);
  out('extended.after', (await client.query('SELECT count(*) AS n FROM users WHERE id = $1', [1])).rows[0].n);

  // A named prepared statement is refused at every use, not only at the first Parse; an allowed
  // one runs every time.
  for (let i = 1; i <= 3; i++) {
    await refusal(`named${i}`, client, { name: 'wipe', text: 'DELETE FROM users WHERE id = $1', values: [i] });
  }
  let added = 0;
  for (let i = 1; i <= 3; i++) {
    const r = await client.query({
      name: 'add',
      text: 'INSERT INTO ledger_entries (account_id, amount) VALUES ($1, $2)',
      values: [10 + i, -i],
    });
    added += r.rowCount;
  }
  out('named.allowed_rows', added);

  // A transaction: the refusal aborts it; the next statement fails with 25P02; COMMIT answers
  // ROLLBACK and the INSERT before the refusal is gone.
  await client.query('BEGIN');
  await client.query('INSERT INTO sessions (user_id) VALUES ($1)', [301]);
  await refusal('transaction', client, 'UPDATE ledger_entries SET amount = $1 WHERE id = $2', [0, 1]);
  await refusal('transaction.next', client, 'SELECT 1');
  out('transaction.commit', (await client.query('COMMIT')).command);

  // Pipeline mode (`pipeline: true` in the pinned pg): every query is written at once, each
  // ends with its own Sync (or is a simple Query), so each is its own implicit transaction. The
  // refused ones fail alone, in their place; the answers of the others stay in order.
  const piped = new pg.Client({ connectionString: process.argv[2], connectionTimeoutMillis: 10000, pipeline: true });
  await piped.connect();
  const settled = await Promise.allSettled([
    piped.query('INSERT INTO sessions (user_id) VALUES ($1)', [311]),
    piped.query('TRUNCATE ledger_entries'),
    piped.query('INSERT INTO sessions (user_id) VALUES ($1) RETURNING user_id', [312]),
    piped.query('DELETE FROM users WHERE id = $1', [2]),
    piped.query('SELECT count(*) AS n FROM sessions WHERE user_id IN (311, 312)'),
  ]);
  out('pipeline.statuses', settled.map((s) => s.status).join(','));
  out('pipeline.refused_codes', [settled[1], settled[3]].map((s) => s.reason?.code).join(','));
  out('pipeline.returned', settled[2].value?.rows[0]?.user_id);
  out('pipeline.count', settled[4].value?.rows[0]?.n);
  out('pipeline.final', (await piped.query("SELECT 'still usable' AS s")).rows[0].s);
  await piped.end();

  out('final', (await client.query("SELECT 'still usable' AS s")).rows[0].s);
  await client.end();
  out('done', 1);
}

main().catch((err) => {
  process.stderr.write(`node_client: ${err.stack ?? err}\n`);
  process.exit(1);
});
