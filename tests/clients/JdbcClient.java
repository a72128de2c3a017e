// The PostgreSQL JDBC driver (pgjdbc, Debian libpostgresql-jdbc-java) through the pgwarden proxy:
// what a Java application sees when the policy refuses a statement. Run by
// tests/unit/proxy/clients_test.cpp as a single-file program,
//
//   java -cp /usr/share/java/postgresql.jar JdbcClient.java HOST PORT DATABASE
//
// against a database the test owns (the demo schema of tests/support/proxy_fixture.hpp); the test
// asserts on the `key=value` lines printed here and on the server's own rows afterwards.
//
// pgjdbc always speaks the extended protocol. A PreparedStatement runs as an unnamed statement
// until it has been executed prepareThreshold (5) times, then as a named server-side statement
// that it only binds; addBatch/executeBatch writes the whole batch before one Sync. An exception
// the program does not expect ends it with a stack trace and no `done=` line.
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGStatement;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class JdbcClient {
  static void out(String key, Object value) {
    System.out.println(key + "=" + String.valueOf(value).replace('\n', ' '));
    System.out.flush();
  }

  static String hint(SQLException e) {
    if (e instanceof PSQLException) {
      ServerErrorMessage m = ((PSQLException) e).getServerErrorMessage();
      if (m != null && m.getHint() != null) return m.getHint();
    }
    return "";
  }

  // Executes an update that must fail; prints its SQLState and hint.
  static void refusal(String key, PreparedStatement ps) {
    try {
      ps.executeUpdate();
      out(key + ".state", "none: the statement ran");
    } catch (SQLException e) {
      out(key + ".state", e.getSQLState());
      out(key + ".hint", hint(e));
    }
  }

  static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      r.next();
      return r.getString(1);
    }
  }

  public static void main(String[] args) throws Exception {
    String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[2];
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    props.setProperty("sslmode", "disable");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", "60");
    props.setProperty("prepareThreshold", "5");
    try (Connection c = DriverManager.getConnection(url, props)) {
      // Autocommit, a plain Statement.
      try (Statement s = c.createStatement()) {
        s.executeUpdate("DELETE FROM users WHERE id = 1");
        out("statement.state", "none: the statement ran");
      } catch (SQLException e) {
        out("statement.state", e.getSQLState());
        out("statement.hint", hint(e));
      }

      // An allowed PreparedStatement keeps running after the driver switches it to a named
      // server-side statement.
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM users WHERE id = ?")) {
        int ok = 0;
        for (int i = 0; i < 8; i++) {
          ps.setInt(1, 1 + i % 2);
          try (ResultSet r = ps.executeQuery()) {
            if (r.next() && r.getInt(1) == 1) ok++;
          }
        }
        out("prepared_select.ok", ok);
        out("prepared_select.server_prepared", ps.unwrap(PGStatement.class).isUseServerPrepare());
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ledger_entries (account_id, amount) VALUES (?, ?)")) {
        int rows = 0;
        for (int i = 0; i < 6; i++) {
          ps.setInt(1, 20 + i);
          ps.setBigDecimal(2, java.math.BigDecimal.valueOf(-i));
          rows += ps.executeUpdate();
        }
        out("prepared_insert.rows", rows);
      }

      // A refused PreparedStatement fails at every execution, before and after the threshold.
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM users WHERE id = ?")) {
        for (int i = 1; i <= 6; i++) {
          ps.setInt(1, i);
          refusal("prepared_refused" + i, ps);
        }
        out("prepared_refused.server_prepared", ps.unwrap(PGStatement.class).isUseServerPrepare());
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE ledger_entries SET amount = ? WHERE id = ?")) {
        for (int i = 1; i <= 6; i++) {
          ps.setBigDecimal(1, java.math.BigDecimal.ZERO);
          ps.setLong(2, 1);
          refusal("prepared_update" + i, ps);
        }
      }
      out("autocommit.after", scalar(c, "SELECT count(*) FROM users"));

      // A batch in a transaction: one refused statement fails the batch, and after rollback
      // nothing of it is on the server.
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.addBatch("INSERT INTO sessions (user_id) VALUES (401)");
        s.addBatch("DELETE FROM users WHERE id = 1");
        s.addBatch("INSERT INTO sessions (user_id) VALUES (402)");
        s.executeBatch();
        out("batch.state", "none: the batch ran");
      } catch (BatchUpdateException e) {
        out("batch.exception", "BatchUpdateException");
        SQLException cause = e.getNextException() != null ? e.getNextException() : e;
        out("batch.state", cause.getSQLState());
        out("batch.hint", hint(cause));
      }
      c.rollback();

      // A PreparedStatement batch (the same statement with several parameter sets).
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO sessions (user_id) VALUES (?)");
           PreparedStatement upd = c.prepareStatement("UPDATE ledger_entries SET amount = ? WHERE id = ?")) {
        for (int i = 0; i < 3; i++) {
          ins.setInt(1, 411 + i);
          ins.addBatch();
        }
        ins.executeBatch();  // allowed, in the transaction
        for (int i = 1; i <= 3; i++) {
          upd.setBigDecimal(1, java.math.BigDecimal.ZERO);
          upd.setLong(2, i);
          upd.addBatch();
        }
        upd.executeBatch();
        out("prepared_batch.state", "none: the batch ran");
      } catch (BatchUpdateException e) {
        SQLException cause = e.getNextException() != null ? e.getNextException() : e;
        out("prepared_batch.state", cause.getSQLState());
      }
      c.rollback();

      // A transaction whose refused statement the application ignores: commit() must not commit
      // the INSERT before it. The server answers the COMMIT of an aborted transaction with
      // ROLLBACK; pgjdbc 42.5 returns from commit() without an exception, as after any error.
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO sessions (user_id) VALUES (421)");
        try {
          s.executeUpdate("TRUNCATE ledger_entries");
          out("commit_after_refusal.refused", "none: the statement ran");
        } catch (SQLException e) {
          out("commit_after_refusal.refused", e.getSQLState());
        }
      }
      try {
        c.commit();
        out("commit_after_refusal.commit", "ok");
      } catch (SQLException e) {
        out("commit_after_refusal.commit", "error " + e.getSQLState());
      }
      c.setAutoCommit(true);

      out("final", scalar(c, "SELECT 'still usable'"));
    }
    out("done", 1);
  }
}
