// convert: the manifest checked against the target's catalog, then one TablePlan per
// table with its SQL compiled (merge_sql.cpp). Reads the catalog only; writes nothing.
#include "persistence/dataplane/restore_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "persistence/dataplane/merge_sql.hpp"

namespace tandem {
namespace {

Error mismatch(const std::string& table, const std::string& what) {
  return make_error("schema_mismatch", table + ": " + what);
}

std::string list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return "(" + out + ")";
}

// Target columns a sync cannot fill: NOT NULL, no default, not generated or identity,
// and not sent by the source.
Result<std::vector<std::string>> required_columns(pg::Connection& conn, const pg::TableInfo& t) {
  auto rows = conn.query(
      "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
      "AND NOT attisdropped AND attnotnull AND NOT atthasdef AND attidentity = '' "
      "AND attgenerated = '' ORDER BY attnum",
      {pg::qualified_name(conn, t.schema, t.name)});
  if (!rows.ok()) return rows.error();
  std::vector<std::string> out;
  for (const auto& r : *rows) out.push_back(r[0].value_or(""));
  return out;
}

Status check_table(pg::Connection& conn, const ManifestTable& mt, const pg::TableInfo* t,
                   SyncMode mode) {
  std::string name = mt.schema + "." + mt.name;
  if (!t)
    return mismatch(name, "exists on the source but not among the target's synced tables; "
                          "create it on the target, or list it in sync.exclude_tables");
  // Mirror deletes every target row not in the chunks; with only some ranges shipped it
  // would delete the rest too. The target sends no digest in mirror mode, so this is a
  // manifest made for another session.
  if (mode == SyncMode::mirror && mt.ranges)
    return mismatch(name, "the backup shipped only some key ranges (range diff), which mirror "
                          "mode cannot apply; run the sync again");
  for (const auto& mc : mt.columns) {
    const auto* c = t->column(mc.name);
    if (!c)
      return mismatch(name + "." + mc.name, "column missing on the target; add it (type " +
                                                mc.type + ") or exclude the table");
    if (c->generated)
      return mismatch(name + "." + mc.name,
                      "a generated column on the target but a plain one on the source");
    if (c->type != mc.type)
      return mismatch(name + "." + mc.name, "type " + mc.type + " on the source, " + c->type +
                                                " on the target; make them the same");
  }
  auto required = required_columns(conn, *t);
  if (!required.ok()) return required.error();
  for (const auto& r : *required) {
    bool sent = std::any_of(mt.columns.begin(), mt.columns.end(),
                            [&](const ManifestColumn& c) { return c.name == r; });
    if (!sent)
      return mismatch(name + "." + r, "NOT NULL without a default on the target, and the "
                                      "source has no such column; give it a default or drop it");
  }
  std::set<std::string> source_key(mt.primary_key.begin(), mt.primary_key.end());
  std::set<std::string> target_key(t->primary_key.begin(), t->primary_key.end());
  if (source_key != target_key)
    return mismatch(name, "primary key " + list(mt.primary_key) + " on the source, " +
                              list(t->primary_key) + " on the target; make them the same");
  if (mode == SyncMode::merge && t->primary_key.empty())
    return make_error("no_primary_key",
                      name + ": has no primary key, so merge mode cannot match its rows; add a "
                             "primary key, list it in sync.exclude_tables, or use mirror mode "
                             "(which replaces the table whole)");
  return ok_status();
}

// Restore order. Deferrable foreign keys can be deferred to COMMIT, so when the synced
// tables' keys form a cycle only the non-deferrable ones must order the tables; if those
// still form a cycle no order works inside one transaction, and the sync is refused.
Result<std::vector<pg::TableInfo>> restore_order(std::vector<pg::TableInfo> tables,
                                                 const std::map<std::string, std::uint64_t>& bytes,
                                                 bool& defer) {
  defer = std::any_of(tables.begin(), tables.end(),
                      [](const pg::TableInfo& t) { return t.in_fk_cycle; });
  if (!defer) {
    pg::order_by_foreign_keys(tables, bytes);
    return tables;
  }
  std::vector<pg::TableInfo> strict = tables;
  for (auto& t : strict) {
    t.in_fk_cycle = false;
    t.foreign_keys.erase(std::remove_if(t.foreign_keys.begin(), t.foreign_keys.end(),
                                        [](const pg::ForeignKeyInfo& fk) { return fk.deferrable; }),
                         t.foreign_keys.end());
  }
  pg::order_by_foreign_keys(strict, bytes);
  std::vector<std::string> stuck;
  for (const auto& t : strict)
    if (t.in_fk_cycle) stuck.push_back(t.qualified());
  if (!stuck.empty())
    return make_error("fk_cycle",
                      "foreign keys that are not DEFERRABLE form a cycle among (or depend on a "
                      "cycle among) " + list(stuck) +
                          "; make one key of the cycle DEFERRABLE, or list a table of it in "
                          "sync.exclude_tables");
  // Same tables, with their full key lists, in the order the strict pass found.
  std::vector<pg::TableInfo> out;
  for (const auto& s : strict)
    for (auto& t : tables)
      if (t.schema == s.schema && t.name == s.name) out.push_back(std::move(t));
  return out;
}

}  // namespace

std::string staging_table_name(const std::string& session_id, std::uint32_t manifest_table) {
  return session_id + "_" + std::to_string(manifest_table);
}

Result<RestorePlan> plan_restore(pg::Connection& target, const Manifest& manifest,
                                 const pg::TableSelection& selection, SyncMode mode) {
  auto catalog = pg::load_catalog(target, selection);
  if (!catalog.ok()) return catalog.error();

  // Check every manifest table, then keep the target's catalog entries in its order.
  std::vector<pg::TableInfo> synced;
  for (const auto& mt : manifest.tables) {
    const auto* t = catalog->find(mt.schema, mt.name);
    if (auto s = check_table(target, mt, t, mode); !s.ok()) return s.error();
  }
  for (const auto& t : catalog->tables)
    for (const auto& mt : manifest.tables)
      if (t.schema == mt.schema && t.name == mt.name) synced.push_back(t);

  RestorePlan plan;
  plan.session_id = manifest.session_id;
  plan.mode = mode;
  // Smaller tables first where the keys leave a choice: restore merges in this order and
  // loads staging tables in it too, so the first merge waits for a small load and the
  // big tables load while the small ones merge (bench-dataplane, 1M rows: the first
  // merge, "AuditLog", waited 0.23 s for its staging table; products takes 0.03 s).
  std::map<std::string, std::uint64_t> bytes;
  for (const auto& mt : manifest.tables) bytes[mt.schema + "." + mt.name] = mt.raw_bytes;
  auto ordered = restore_order(std::move(synced), bytes, plan.defer_constraints);
  if (!ordered.ok()) return ordered.error();
  for (auto& t : *ordered) {
    TablePlan p;
    for (std::uint32_t i = 0; i < manifest.tables.size(); ++i)
      if (manifest.tables[i].schema == t.schema && manifest.tables[i].name == t.name)
        p.manifest_table = i;
    const auto& mt = manifest.tables[p.manifest_table];
    p.staging_table = staging_table_name(manifest.session_id, p.manifest_table);
    for (const auto& c : mt.columns) p.columns.push_back(c.name);
    // The target's own exclude_rows decides which of its rows are demo rows; without
    // one, the source's predicate (the same application's) is the best guess.
    std::string predicate = t.exclude_predicate.empty() ? mt.exclude_predicate : t.exclude_predicate;
    p.target = std::move(t);
    compile_table_sql(target, mode, mt, predicate, p);
    plan.tables.push_back(std::move(p));
  }
  return plan;
}

Status drop_staging(pg::Connection& target, const std::string& session_id) {
  auto names = target.query(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = $1 AND c.relkind = 'r' AND left(c.relname, length($2) + 1) = $2 || '_'",
      {std::string(kStagingSchema), session_id});
  if (!names.ok()) return names.error();
  for (const auto& r : *names) {
    auto s = target.exec("DROP TABLE IF EXISTS " +
                         pg::qualified_name(target, kStagingSchema, r[0].value_or("")));
    if (!s.ok()) return s.error();
  }
  return ok_status();
}

}  // namespace tandem
