#include "persistence/dataplane/bulk_load.hpp"

namespace tandem {
namespace {

// Builds, in SQL, one anti-join per foreign key of $1. MATCH SIMPLE: a row with a NULL in
// any referencing column references nothing. The whole table is checked (without ONLY,
// so a partitioned table's partitions too): it was empty before this load.
constexpr const char* kForeignKeys = R"SQL(
SELECT con.conname,
       (SELECT n.nspname || '.' || r.relname FROM pg_class r
          JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = con.confrelid),
       con.confmatchtype = 'f',
       format('SELECT (%s)::text FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s) LIMIT 1',
              (SELECT string_agg(format('c.%I', a.attname), ', ' ORDER BY k.i)
                 FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
              con.conrelid::regclass,
              (SELECT string_agg(format('c.%I IS NOT NULL', a.attname), ' AND ')
                 FROM unnest(con.conkey) k(attnum)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum),
              con.confrelid::regclass,
              (SELECT string_agg(format('p.%I = c.%I', pa.attname, ca.attname), ' AND ')
                 FROM unnest(con.conkey, con.confkey) u(ck, pk)
                 JOIN pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = u.ck
                 JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = u.pk))
  FROM pg_constraint con
 WHERE con.contype = 'f' AND con.conrelid = $1::regclass
 ORDER BY con.conname
)SQL";

}  // namespace

Result<BulkLoadPlan> plan_bulk_load(pg::Connection& conn, const std::string& quoted_table) {
  auto rows = conn.query(kForeignKeys, {quoted_table});
  if (!rows.ok()) return rows.error();
  BulkLoadPlan plan;
  plan.eligible = true;
  for (const auto& r : *rows) {
    if (r[2].value_or("f") == "t") plan.eligible = false;
    plan.checks.push_back({r[0].value_or(""), r[1].value_or(""), r[3].value_or("")});
  }
  return plan;
}

Result<bool> suspend_row_checks(pg::Connection& conn) {
  if (auto s = conn.exec("SAVEPOINT tandem_bulk_load"); !s.ok()) return s.error();
  if (conn.exec("SET LOCAL session_replication_role = replica").ok()) {
    if (auto s = conn.exec("RELEASE SAVEPOINT tandem_bulk_load"); !s.ok()) return s.error();
    return true;
  }
  // Not allowed for this role: back to where we were, per-row checks stay on.
  if (auto s = conn.exec("ROLLBACK TO SAVEPOINT tandem_bulk_load; RELEASE SAVEPOINT tandem_bulk_load");
      !s.ok())
    return s.error();
  return false;
}

Status resume_row_checks(pg::Connection& conn) {
  return conn.exec("SET LOCAL session_replication_role = origin");
}

Status prove_foreign_keys(pg::Connection& conn, const std::string& table,
                          const std::vector<ForeignKeyCheck>& checks) {
  for (const auto& c : checks) {
    auto bad = conn.query(c.sql);
    if (!bad.ok()) return bad.error();
    if (!bad->empty())
      return make_error("foreign_key_violation",
                        "foreign key " + c.constraint + ": rows of " + table + " reference " +
                            c.referenced + " rows that are not there (e.g. key " +
                            bad->at(0)[0].value_or("NULL") + "); are they left out by exclude_rows "
                            "or exclude_tables on the source?");
  }
  return ok_status();
}

}  // namespace tandem
