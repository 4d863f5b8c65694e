#include "persistence/dataplane/index_rebuild.hpp"

#include <algorithm>

namespace tandem {
namespace {

// One row per object to rebuild, in drop order (step 1 foreign keys, 2 constraints,
// 3 plain indexes): table, name, what, drop SQL, create SQL. $1: the tables, quoted.
constexpr const char* kRebuildable = R"SQL(
WITH d AS (
  SELECT c.oid FROM unnest($1::text[]::regclass[]) AS r(oid)
    JOIN pg_class c ON c.oid = r.oid
   WHERE c.relkind = 'r' AND NOT c.relispartition AND pg_has_role(c.relowner, 'USAGE')),
commented AS (
  SELECT objoid FROM pg_description
   WHERE classoid IN ('pg_class'::regclass, 'pg_constraint'::regclass)),
ix AS (
  SELECT i.indexrelid, i.indrelid, con.oid AS conoid, con.conname
    FROM pg_index i
    JOIN d ON d.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con
      ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
   WHERE i.indisvalid AND i.indisready AND i.indislive
     AND NOT i.indisreplident AND NOT i.indisclustered AND ic.reltablespace = 0
     AND (con.oid IS NULL OR con.contype IN ('p', 'u'))
     -- pg_get_constraintdef() leaves a key's index storage parameters out
     AND (con.oid IS NULL OR ic.reloptions IS NULL)
     AND i.indexrelid NOT IN (SELECT objoid FROM commented)
     AND coalesce(con.oid, 0) NOT IN (SELECT objoid FROM commented)
     AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget, -1) >= 0)
     -- every foreign key onto this index comes from a table of the rebuild, uncommented
     AND NOT EXISTS (SELECT 1 FROM pg_constraint f
                      WHERE f.contype = 'f' AND f.conindid = i.indexrelid
                        AND (f.conrelid NOT IN (SELECT oid FROM d) OR f.conparentid <> 0
                             OR f.oid IN (SELECT objoid FROM commented)))),
named AS (
  SELECT c.oid, n.nspname || '.' || c.relname AS label, format('%I.%I', n.nspname, c.relname) AS quoted
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace)
SELECT t.label, f.conname, 'foreign key',
       format('ALTER TABLE %s DROP CONSTRAINT %I', t.quoted, f.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', t.quoted, f.conname, pg_get_constraintdef(f.oid)),
       1 AS step
  FROM pg_constraint f JOIN ix ON f.conindid = ix.indexrelid JOIN named t ON t.oid = f.conrelid
 WHERE f.contype = 'f'
UNION ALL
SELECT t.label, ix.conname, 'constraint',
       format('ALTER TABLE %s DROP CONSTRAINT %I', t.quoted, ix.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', t.quoted, ix.conname, pg_get_constraintdef(ix.conoid)),
       2
  FROM ix JOIN named t ON t.oid = ix.indrelid
 WHERE ix.conoid IS NOT NULL
UNION ALL
SELECT t.label, ic.relname, 'index', format('DROP INDEX %s', x.quoted), pg_get_indexdef(ix.indexrelid), 3
  FROM ix JOIN named t ON t.oid = ix.indrelid JOIN named x ON x.oid = ix.indexrelid
  JOIN pg_class ic ON ic.oid = ix.indexrelid
 WHERE ix.conoid IS NULL
ORDER BY 6, 1, 2
)SQL";

std::string text_array(const std::vector<std::string>& items) {
  // A text[] literal: each item double-quoted, with " and \ escaped.
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ",";
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

bool IndexRebuild::rebuilds_foreign_key(const std::string& table, const std::string& constraint) const {
  return std::any_of(steps.begin(), steps.end(), [&](const IndexRebuildStep& s) {
    return s.what == "foreign key" && s.table == table && s.name == constraint;
  });
}

std::size_t IndexRebuild::index_count() const {
  return static_cast<std::size_t>(std::count_if(
      steps.begin(), steps.end(), [](const IndexRebuildStep& s) { return s.what != "foreign key"; }));
}

Result<IndexRebuild> plan_index_rebuild(pg::Connection& conn, const std::vector<std::string>& quoted_tables) {
  IndexRebuild plan;
  if (quoted_tables.empty()) return plan;
  auto rows = conn.query(kRebuildable, {text_array(quoted_tables)});
  if (!rows.ok()) return rows.error();
  for (const auto& r : *rows)
    plan.steps.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or(""), r[3].value_or(""),
                          r[4].value_or("")});
  return plan;
}

Result<std::string> drop_for_rebuild(pg::Connection& conn, const IndexRebuild& plan) {
  if (plan.empty()) return std::string();
  if (auto s = conn.exec("SAVEPOINT tandem_index_rebuild"); !s.ok()) return s.error();
  for (const auto& step : plan.steps) {
    if (auto s = conn.exec(step.drop_sql); !s.ok()) {
      // Not ours to drop after all (a dependent view, a lock we may not take): back to
      // the savepoint, every index stays.
      if (auto r = conn.exec("ROLLBACK TO SAVEPOINT tandem_index_rebuild; RELEASE SAVEPOINT tandem_index_rebuild");
          !r.ok())
        return r.error();
      return step.what + " " + step.name + " of " + step.table + " could not be dropped: " + s.error().message;
    }
  }
  if (auto s = conn.exec("RELEASE SAVEPOINT tandem_index_rebuild"); !s.ok()) return s.error();
  return std::string();
}

Status rebuild_indexes(pg::Connection& conn, const IndexRebuild& plan, const CancelToken& cancel) {
  for (auto it = plan.steps.rbegin(); it != plan.steps.rend(); ++it) {
    if (cancel.cancelled()) return cancelled_error("restore");
    if (auto s = conn.exec(it->create_sql); !s.ok()) {
      bool fkey = it->what == "foreign key" &&
                  s.error().message.find("violates foreign key constraint") != std::string::npos;
      return make_error(fkey ? "foreign_key_violation" : s.error().code,
                        it->what + " " + it->name + " of " + it->table + ", built after the load: " +
                            s.error().message +
                            (fkey ? "; are they left out by exclude_rows or exclude_tables on the source?" : ""));
    }
  }
  return ok_status();
}

}  // namespace tandem
