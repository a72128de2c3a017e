"""psycopg2 through the pgwarden proxy: what a Python application sees when the policy refuses a
statement. Run by tests/unit/proxy/clients_test.cpp, which owns the database (the demo schema of
tests/support/proxy_fixture.hpp) and asserts on the lines printed here and on the server's own
rows afterwards.

psycopg2 speaks only the simple Query protocol: it interpolates parameters on the client side,
and "prepared statements" are SQL PREPARE/EXECUTE. Each scenario prints `key=value` lines; an
exception the scenario does not expect ends the program with a traceback and no `done=` line.

Usage: python3 psycopg2_client.py CONNINFO
"""
import sys

import psycopg2
import psycopg2.errors
import psycopg2.extras


def out(key, value):
    print(f"{key}={value}", flush=True)


def refusal(key, cur, sql, args=None):
    """Runs a statement that must fail; prints its SQLSTATE, exception class, message and hint."""
    try:
        cur.execute(sql, args)
    except psycopg2.Error as e:
        out(f"{key}.pgcode", e.pgcode)
        out(f"{key}.class", type(e).__name__)
        out(f"{key}.message", (e.diag.message_primary or "").replace("\n", " "))
        out(f"{key}.hint", (e.diag.message_hint or "").replace("\n", " "))
        return
    out(f"{key}.pgcode", "none: the statement ran")


def main():
    conn = psycopg2.connect(sys.argv[1])

    # Autocommit: the refusal is an InsufficientPrivilege error; the connection goes on.
    conn.autocommit = True
    cur = conn.cursor()
    refusal("autocommit", cur, "DELETE FROM users WHERE id = %s", (1,))
    cur.execute("SELECT count(*) FROM users")
    out("autocommit.after", cur.fetchone()[0])
    out("autocommit.closed", conn.closed)

    # A transaction: the refusal aborts it as any server error would; the next statement fails
    # with InFailedSqlTransaction, and commit() ends it without committing the INSERT before.
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("INSERT INTO sessions (user_id) VALUES (%s)", (201,))
    refusal("transaction", cur, "UPDATE ledger_entries SET amount = 0 WHERE id = %s", (1,))
    out("transaction.status_after_refusal",
        "inerror" if conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_INERROR
        else conn.info.transaction_status)
    try:
        cur.execute("SELECT 1")
        out("transaction.next", "ran")
    except psycopg2.errors.InFailedSqlTransaction as e:
        out("transaction.next", e.pgcode)
    conn.commit()
    out("transaction.status_after_commit",
        "idle" if conn.info.transaction_status == psycopg2.extensions.TRANSACTION_STATUS_IDLE
        else conn.info.transaction_status)

    # executemany runs one statement per parameter set; the first refused one raises, and the
    # rollback takes the rows inserted before it in the same transaction.
    cur.executemany("INSERT INTO sessions (user_id) VALUES (%s)", [(211,), (212,)])
    try:
        cur.executemany("DELETE FROM users WHERE id = %s", [(1,), (2,)])
        out("executemany.pgcode", "none: the statements ran")
    except psycopg2.Error as e:
        out("executemany.pgcode", e.pgcode)
        out("executemany.hint", (e.diag.message_hint or "").replace("\n", " "))
    conn.rollback()

    # execute_batch joins statements into one multi-statement Query per page: a refused statement
    # in the page refuses the page whole, the allowed INSERT before it included.
    try:
        psycopg2.extras.execute_batch(
            cur, "INSERT INTO sessions (user_id) VALUES (%s); DELETE FROM users WHERE id = %s",
            [(221, 1), (222, 2)])
        out("execute_batch.pgcode", "none: the statements ran")
    except psycopg2.Error as e:
        out("execute_batch.pgcode", e.pgcode)
    conn.rollback()

    # A batch that is all allowed commits.
    psycopg2.extras.execute_batch(cur, "INSERT INTO sessions (user_id) VALUES (%s)", [(231,), (232,)])
    conn.commit()

    # SQL-level prepared statements: PREPARE of a refused statement is refused, so EXECUTE finds
    # no such statement on the server; an allowed one prepares and runs.
    conn.autocommit = True
    refusal("prepare", cur, "PREPARE wipe (int) AS DELETE FROM users WHERE id = $1")
    refusal("execute", cur, "EXECUTE wipe (1)")
    cur.execute("PREPARE add (int, numeric) AS INSERT INTO ledger_entries (account_id, amount) "
                "VALUES ($1, $2)")
    cur.execute("EXECUTE add (%s, %s)", (3, -100))
    out("prepared.allowed_rows", cur.rowcount)

    # The same connection still answers.
    cur.execute("SELECT 'still usable'")
    out("final", cur.fetchone()[0])
    conn.close()
    out("done", 1)


if __name__ == "__main__":
    main()
