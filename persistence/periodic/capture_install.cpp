// install_change_capture: schema tandem (created and migrated in place), then one row
// trigger per synced table, each step in one transaction under an advisory lock, so two
// starts racing each other, or a crash half-way, leave either the old or the new set.
//
// Table locks: a trigger is (re)created only where it is missing or differs from what
// this version would create (tandem.meta remembers each table's trigger statement), so
// an ordinary restart locks no application table. Where one must change, the install
// takes all the locks it needs at once, before any DDL, waiting at most kLockWait for
// each: a restart once replaced every trigger (DROP + CREATE, ACCESS EXCLUSIVE) while a
// resumed full sync's restore held row locks on tables already merged, and the restore's
// staging loader then queued behind the install for a table not yet merged: a wait
// cycle PostgreSQL cannot see (one edge is the restore waiting for its loader), and the
// session hung (CI, FullSyncCrash/KillTargetIn restore). With the bounded wait the
// install gives up, rolls back, and the change server tries again later.
#include <map>
#include <set>

#include "base/log.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/feed_sql.hpp"

namespace tandem {
namespace {

constexpr int kSchemaVersion = 2;
constexpr const char* kTriggerName = "tandem_capture";
// What a table's trigger statement is remembered under in tandem.meta.
constexpr const char* kTriggerKeyPrefix = "trigger ";
// Longest wait for one table lock: shorter than PostgreSQL's default deadlock_timeout
// (1 s), so in a cycle with another transaction the install is the one that gives up.
constexpr const char* kLockWait = "500ms";

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

// Version 2: what a retry of a quarantined change needs (quarantine.hpp): the row as it
// was here when the change failed ('null': absent; NULL: not recorded, as in version 1),
// so a retry can tell whether the row has changed since, and the failed retries.
const char* kSchemaV2 = R"SQL(
ALTER TABLE tandem.quarantine ADD COLUMN IF NOT EXISTS local_row jsonb,
  ADD COLUMN IF NOT EXISTS retries integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS retried_at timestamptz;
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
         // to_jsonb renders floats, intervals, timestamptz and bytea by these settings: pin
         // them, so the application's session settings cannot make a captured value lossy
         // or odd, nor one key look like two (a timestamptz key written in two time zones
         // is one row; its log entries must compare equal, or a conflict goes unseen).
         " SET extra_float_digits = 3 SET IntervalStyle = 'postgres' SET TimeZone = 'UTC'"
         " SET bytea_output = 'hex'"
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

// What tandem.meta says of the schema: its version (0 when there is none yet) and the
// node it belongs to.
struct StoredSchema {
  int version = 0;
  std::string node_id;
};

Result<StoredSchema> stored_schema(pg::Connection& conn) {
  auto exists = conn.query("SELECT to_regclass('tandem.meta') IS NOT NULL");
  if (!exists.ok()) return exists.error();
  if (exists->at(0)[0].value_or("f") != "t") return StoredSchema{};
  auto v = conn.query("SELECT (SELECT value FROM tandem.meta WHERE key = 'schema_version'), "
                      "(SELECT value FROM tandem.meta WHERE key = 'node_id')");
  if (!v.ok()) return v.error();
  StoredSchema out;
  out.node_id = v->at(0)[1].value_or("");
  try {
    out.version = std::stoi(v->at(0)[0].value_or("0"));
  } catch (const std::exception&) {
    out.version = 0;  // unreadable: run the (idempotent) script again
  }
  return out;
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
  // What tandem.meta remembers of triggers that are gone.
  auto forgotten = conn.query(
      "DELETE FROM tandem.meta m WHERE left(m.key, length($2)) = $2 AND NOT EXISTS (SELECT 1 FROM pg_trigger g "
      "WHERE g.tgrelid = to_regclass(substr(m.key, length($2) + 1)) AND g.tgname = $1 AND NOT g.tgisinternal)",
      {std::string(kTriggerName), std::string(kTriggerKeyPrefix)});
  if (!forgotten.ok()) return forgotten.error();
  return ok_status();
}

// Tables whose trigger is installed as `statement` says and still bound to its function:
// "schema.table" (quoted) -> the statement it was created with.
Result<std::map<std::string, std::string>> installed_triggers(pg::Connection& conn) {
  auto rows = conn.query(
      "SELECT substr(m.key, length($2) + 1), m.value FROM tandem.meta m "
      "JOIN pg_trigger g ON g.tgrelid = to_regclass(substr(m.key, length($2) + 1)) "
      "AND g.tgname = $1 AND NOT g.tgisinternal AND g.tgenabled <> 'D' "
      "WHERE left(m.key, length($2)) = $2",
      {std::string(kTriggerName), std::string(kTriggerKeyPrefix)});
  if (!rows.ok()) return rows.error();
  std::map<std::string, std::string> out;
  for (const auto& r : *rows) out[r[0].value_or("")] = r[1].value_or("");
  return out;
}

struct TriggerToInstall {
  std::string table;      // qualified, quoted
  std::string described;  // schema.table, for messages
  std::string statement;
};

// Takes the locks every trigger change needs, all before the first change, each wait
// bounded (see the top of the file).
Status lock_for_triggers(pg::Connection& conn, const std::vector<TriggerToInstall>& changes) {
  std::string tables, described;
  for (const auto& c : changes) {
    tables += (tables.empty() ? "" : ", ") + c.table;
    described += (described.empty() ? "" : ", ") + c.described;
  }
  auto s = conn.exec("LOCK TABLE " + tables + " IN SHARE ROW EXCLUSIVE MODE");
  if (s.ok()) return s;
  if (s.error().code != pg::kConflict)  // not a wait: e.g. the role may not lock them
    return make_error(s.error().code, "installing change capture on " + described + ": " + s.error().message);
  return make_error(kCaptureLocked, "installing change capture on " + described +
                                        ": a table is locked by another transaction (waited " + kLockWait +
                                        " for it; nothing was changed): " + s.error().message);
}

// Serialises installs and schema creation between connections (two tandemd starting
// at once, or an install beside a restore's commit), until the transaction ends.
Status take_install_lock(pg::Connection& conn) {
  return conn.exec("SELECT pg_advisory_xact_lock(hashtext('tandem.install'))");
}

// The triggers, in the caller's transaction, with schema tandem in place.
Status install_in_transaction(pg::Connection& conn, const pg::Catalog& catalog,
                              const std::string& local_node, std::vector<std::string>* warnings) {
  if (auto s = take_install_lock(conn); !s.ok()) return s;
  // After the advisory lock: a second install waits for the first as long as it takes.
  if (auto s = conn.exec(std::string("SET LOCAL lock_timeout = '") + kLockWait + "'"); !s.ok()) return s;
  auto installed = installed_triggers(conn);
  if (!installed.ok()) return installed.error();
  std::set<std::string> wanted;
  std::vector<TriggerToInstall> changes;
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
    // Replacing the function locks no table: always, so its body follows this version.
    if (auto s = conn.exec(trigger_function_sql(conn, t, local_node)); !s.ok())
      return make_error(s.error().code, "installing change capture on " + t.qualified() + ": " +
                                            s.error().message);
    std::string qtable = pg::qualified_name(conn, t.schema, t.name);
    std::string statement = "CREATE OR REPLACE TRIGGER " + conn.quote_ident(kTriggerName) +
                            " AFTER INSERT OR UPDATE OR DELETE ON " + qtable + " FOR EACH ROW " +
                            kLocalWritesOnly + " EXECUTE FUNCTION " + fn + "()";
    auto at = installed->find(qtable);
    if (at == installed->end() || at->second != statement) changes.push_back({qtable, t.qualified(), statement});
  }
  if (!changes.empty())
    if (auto s = lock_for_triggers(conn, changes); !s.ok()) return s;
  for (const auto& c : changes) {
    Status s = conn.exec(c.statement);
    if (s.ok()) {
      auto remembered = conn.query("INSERT INTO tandem.meta (key, value) VALUES ($1, $2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                                   {kTriggerKeyPrefix + c.table, c.statement});
      if (!remembered.ok()) s = remembered.error();
    }
    if (!s.ok())
      return make_error(s.error().code, "installing change capture on " + c.described + ": " + s.error().message);
  }
  return drop_stale(conn, wanted);
}

}  // namespace

Status ensure_change_schema(pg::Connection& conn, const std::string& local_node) {
  // Nothing to do is the common case: then no lock and no write (a restore's commit
  // step calls this too, and must not hold the install's advisory lock to its end).
  auto stored = stored_schema(conn);
  if (!stored.ok()) return stored.error();
  if (stored->version >= kSchemaVersion && stored->node_id == local_node) return ok_status();
  // Two transactions creating the schema at once collide on the catalog's unique index.
  if (auto s = take_install_lock(conn); !s.ok()) return s;
  // Only when needed: CREATE INDEX IF NOT EXISTS locks change_log before it looks for
  // the index, and every captured write holds a lock there.
  if (stored->version < 1)
    if (auto s = conn.exec(kSchemaV1); !s.ok()) return s;
  // Later versions add their steps here, each guarded by the stored version.
  if (stored->version < 2)
    if (auto s = conn.exec(kSchemaV2); !s.ok()) return s;
  auto s = conn.query(
      "INSERT INTO tandem.meta (key, value) VALUES ('schema_version', $1), ('node_id', $2) "
      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      {std::to_string(kSchemaVersion), local_node});
  if (!s.ok()) return s.error();
  return ok_status();
}

Status install_change_capture(pg::Connection& conn, const pg::Catalog& catalog,
                              const std::string& local_node, std::vector<std::string>* warnings) {
  // Two transactions: the schema locks no application table and is committed even when
  // the triggers must wait for another try (a restore's commit writes tandem.cursors).
  for (int step = 0; step < 2; ++step) {
    if (auto s = conn.exec("BEGIN; SET LOCAL client_min_messages = warning"); !s.ok()) return s;
    auto s = step == 0 ? ensure_change_schema(conn, local_node) : install_in_transaction(conn, catalog, local_node, warnings);
    if (!s.ok()) {
      (void)conn.exec("ROLLBACK");
      return s;
    }
    if (auto c = conn.exec("COMMIT"); !c.ok()) return c;
  }
  return ok_status();
}

}  // namespace tandem
