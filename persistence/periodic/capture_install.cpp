// install_change_capture: schema tandem (created and migrated in place) and one row
// trigger per synced table, all in one transaction under an advisory lock, so two
// starts racing each other, or a crash half-way, leave either the old or the new set.
#include <set>

#include "base/log.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/feed_sql.hpp"

namespace tandem {
namespace {

constexpr int kSchemaVersion = 1;
constexpr const char* kTriggerName = "tandem_capture";

// Version 1 of schema tandem. Snapshots are stored typed (NULL = none); "" is only the
// C++ side's spelling of "none".
const char* kSchemaV1 = R"SQL(
CREATE SCHEMA IF NOT EXISTS tandem;
CREATE TABLE IF NOT EXISTS tandem.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS tandem.change_log (
  id bigserial PRIMARY KEY,
  table_schema text NOT NULL,
  table_name text NOT NULL,
  op "char" NOT NULL CHECK (op IN ('I', 'U', 'D')),
  pk jsonb NOT NULL,
  row_data jsonb,
  origin text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  txid bigint NOT NULL DEFAULT txid_current(),
  superseded boolean NOT NULL DEFAULT false);
CREATE INDEX IF NOT EXISTS change_log_key ON tandem.change_log (table_schema, table_name, pk);
CREATE INDEX IF NOT EXISTS change_log_txid ON tandem.change_log (txid);
CREATE TABLE IF NOT EXISTS tandem.cursors (
  peer text PRIMARY KEY,
  prev_snapshot txid_snapshot,
  window_snapshot txid_snapshot,
  last_id bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tandem.peer_acks (
  peer text PRIMARY KEY,
  acked_snapshot txid_snapshot,
  acked_window txid_snapshot,
  acked_last_id bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tandem.conflicts (
  id bigserial PRIMARY KEY,
  table_schema text NOT NULL,
  table_name text NOT NULL,
  pk jsonb NOT NULL,
  local_row jsonb,
  remote_row jsonb,
  local_origin text NOT NULL,
  remote_origin text NOT NULL,
  local_changed_at timestamptz NOT NULL,
  remote_changed_at timestamptz NOT NULL,
  winner text NOT NULL CHECK (winner IN ('local', 'remote')),
  policy text NOT NULL,
  resolved_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS tandem.quarantine (
  id bigserial PRIMARY KEY,
  peer text NOT NULL,
  change jsonb NOT NULL,
  error text NOT NULL,
  at timestamptz NOT NULL DEFAULT now());
)SQL";

// IF the table's exclude_rows predicate holds for `rec`, the trigger returns.
std::string exclude_check(const pg::TableInfo& t, const std::string& rec) {
  if (t.exclude_predicate.empty()) return {};
  return "    IF (SELECT coalesce((" + t.exclude_predicate + "), false) FROM (SELECT " + rec +
         ".*) t) THEN RETURN NULL; END IF;\n";
}

std::string log_insert(const pg::Connection& conn, const pg::TableInfo& t, const std::string& op,
                       const std::string& rec, const std::string& local_node) {
  std::string row = op == "D" ? "NULL" : periodic::row_json_expr(conn, t, rec);
  return "INSERT INTO tandem.change_log (table_schema, table_name, op, pk, row_data, origin) "
         "VALUES (" + conn.quote_literal(t.schema) + ", " + conn.quote_literal(t.name) + ", '" + op +
         "', " + periodic::key_json_expr(conn, t, rec) + ", " + row + ", " +
         conn.quote_literal(local_node) + ");\n";
}

std::string function_name(const pg::TableInfo& t) {
  return "tandem.capture_" + periodic::name_hash(t.schema, t.name);
}

// The trigger's condition: writes made under tandem.origin (a full sync's restore, a
// periodic apply) are not captured. As a WHEN clause it is checked when the row is
// written, and a row that fails it queues no trigger event and calls no function: a
// restore that rewrites 100K rows skipped ~0.3 s of plpgsql calls (docs/performance.md).
constexpr const char* kLocalWritesOnly =
    "WHEN (coalesce(current_setting('tandem.origin', true), '') = '')";

// The trigger function: writes made under tandem.origin (restore, apply) are not
// captured; an UPDATE that changes nothing is skipped; an UPDATE that moves the key is a
// delete of the old key plus an insert of the new one, so the peer can address both.
std::string trigger_function_sql(const pg::Connection& conn, const pg::TableInfo& t,
                                 const std::string& local_node) {
  std::string new_key, old_key;
  for (const auto& k : t.primary_key) {
    new_key += (new_key.empty() ? "" : ", ") + std::string("NEW.") + conn.quote_ident(k);
    old_key += (old_key.empty() ? "" : ", ") + std::string("OLD.") + conn.quote_ident(k);
  }
  return "CREATE OR REPLACE FUNCTION " + function_name(t) +
         "() RETURNS trigger LANGUAGE plpgsql"
         // to_jsonb renders floats and intervals by these settings: pin them, so the
         // application's session settings cannot make a captured value lossy or odd.
         " SET extra_float_digits = 3 SET IntervalStyle = 'postgres'"
         " AS $tandem_capture$\nBEGIN\n"
         "  IF coalesce(current_setting('tandem.origin', true), '') <> '' THEN RETURN NULL; END IF;\n"
         "  IF TG_OP = 'DELETE' THEN\n" + exclude_check(t, "OLD") +
         "    " + log_insert(conn, t, "D", "OLD", local_node) +
         "  ELSIF TG_OP = 'INSERT' THEN\n" + exclude_check(t, "NEW") +
         "    " + log_insert(conn, t, "I", "NEW", local_node) +
         "  ELSIF " + periodic::row_changed_expr(conn, t) + " THEN\n"
         "    IF ROW(" + new_key + ") IS DISTINCT FROM ROW(" + old_key + ") THEN\n"
         "      IF NOT (SELECT coalesce((" + (t.exclude_predicate.empty() ? "false" : t.exclude_predicate) +
         "), false) FROM (SELECT OLD.*) t) THEN\n"
         "        " + log_insert(conn, t, "D", "OLD", local_node) +
         "      END IF;\n" + exclude_check(t, "NEW") +
         "      " + log_insert(conn, t, "I", "NEW", local_node) +
         "    ELSE\n" + exclude_check(t, "NEW") +
         "      " + log_insert(conn, t, "U", "NEW", local_node) +
         "    END IF;\n"
         "  END IF;\n"
         "  RETURN NULL;\nEND\n$tandem_capture$";
}

Status migrate_schema(pg::Connection& conn, const std::string& local_node) {
  if (auto s = conn.exec(kSchemaV1); !s.ok()) return s;
  // Later versions add their steps here, each guarded by the stored version.
  auto s = conn.query(
      "INSERT INTO tandem.meta (key, value) VALUES ('schema_version', $1), ('node_id', $2) "
      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      {std::to_string(kSchemaVersion), local_node});
  if (!s.ok()) return s.error();
  return ok_status();
}

// Triggers and functions of tables that are no longer synced (or lost their key).
Status drop_stale(pg::Connection& conn, const std::set<std::string>& wanted_functions) {
  auto triggers = conn.query(
      "SELECT n.nspname, c.relname, p.proname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = g.tgfoid "
      "WHERE g.tgname = $1 AND NOT g.tgisinternal AND g.tgparentid = 0",
      {std::string(kTriggerName)});
  if (!triggers.ok()) return triggers.error();
  for (const auto& r : *triggers)
    if (!wanted_functions.count("tandem." + *r[2]))
      if (auto s = conn.exec("DROP TRIGGER IF EXISTS " + conn.quote_ident(kTriggerName) + " ON " +
                             pg::qualified_name(conn, *r[0], *r[1]));
          !s.ok())
        return s;
  auto functions = conn.query(
      "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
      "WHERE n.nspname = 'tandem' AND p.proname LIKE 'capture\\_%'");
  if (!functions.ok()) return functions.error();
  for (const auto& r : *functions)
    if (!wanted_functions.count("tandem." + *r[0]))
      if (auto s = conn.exec("DROP FUNCTION IF EXISTS tandem." + conn.quote_ident(*r[0]) + "()"); !s.ok())
        return s;
  return ok_status();
}

Status install_in_transaction(pg::Connection& conn, const pg::Catalog& catalog,
                              const std::string& local_node, std::vector<std::string>* warnings) {
  if (auto s = conn.exec("SELECT pg_advisory_xact_lock(hashtext('tandem.install'))"); !s.ok()) return s;
  if (auto s = migrate_schema(conn, local_node); !s.ok()) return s;
  std::set<std::string> wanted;
  for (const auto& t : catalog.tables) {
    if (t.primary_key.empty()) {
      // Periodic sync addresses rows by key; such a table is still copied by full sync.
      std::string w = "table " + t.qualified() +
                      " has no primary key: its changes are not captured for periodic sync "
                      "(add a key, or list it in sync.exclude_tables)";
      log::warn("periodic") << w;
      if (warnings) warnings->push_back(w);
      continue;
    }
    std::string fn = function_name(t);
    wanted.insert(fn);
    std::string qtable = pg::qualified_name(conn, t.schema, t.name);
    auto s = conn.exec(trigger_function_sql(conn, t, local_node) + ";\nDROP TRIGGER IF EXISTS " +
                       conn.quote_ident(kTriggerName) + " ON " + qtable + ";\nCREATE TRIGGER " +
                       conn.quote_ident(kTriggerName) + " AFTER INSERT OR UPDATE OR DELETE ON " +
                       qtable + " FOR EACH ROW " + kLocalWritesOnly + " EXECUTE FUNCTION " + fn + "()");
    if (!s.ok())
      return make_error(s.error().code, "installing change capture on " + t.qualified() + ": " +
                                            s.error().message);
  }
  return drop_stale(conn, wanted);
}

}  // namespace

Status install_change_capture(pg::Connection& conn, const pg::Catalog& catalog,
                              const std::string& local_node, std::vector<std::string>* warnings) {
  if (auto s = conn.exec("BEGIN; SET LOCAL client_min_messages = warning"); !s.ok()) return s;
  auto s = install_in_transaction(conn, catalog, local_node, warnings);
  if (!s.ok()) {
    (void)conn.exec("ROLLBACK");
    return s;
  }
  return conn.exec("COMMIT");
}

}  // namespace tandem
