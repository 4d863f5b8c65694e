#include "persistence/pg/catalog.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "config/table_pattern.hpp"

namespace tandem::pg {
namespace {

const char* kTablesSql = R"SQL(
SELECT c.oid::text, n.nspname, c.relname, c.relkind = 'p'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'tandem', 'tandem_staging')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
ORDER BY n.nspname, c.relname)SQL";

const char* kColumnsSql = R"SQL(
SELECT a.attrelid::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       a.attgenerated <> '', a.attidentity
FROM pg_attribute a
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum)SQL";

const char* kPrimaryKeysSql = R"SQL(
SELECT i.indrelid::text, a.attname
FROM pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])
ORDER BY i.indrelid, k.ord)SQL";

const char* kSequencesSql = R"SQL(
SELECT d.refobjid::text, sn.nspname, s.relname, a.attname
FROM pg_depend d
JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
  AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::oid[])
ORDER BY d.refobjid, a.attnum)SQL";

const char* kForeignKeysSql = R"SQL(
SELECT c.conrelid::text, c.conname, rn.nspname, r.relname, c.condeferrable
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[]) AND c.conparentid = 0
ORDER BY c.conrelid, c.conname)SQL";

bool selected(const TableSelection& sel, const std::string& schema, const std::string& name) {
  auto any = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return matches(parse_table_pattern(p), schema, name);
    });
  };
  return any(sel.tables) && !any(sel.exclude_tables);
}

const std::string& text(const Value& v) {
  static const std::string empty;
  return v ? *v : empty;
}

}  // namespace

const ColumnInfo* TableInfo::column(const std::string& n) const {
  for (const auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<const ColumnInfo*> TableInfo::copied_columns() const {
  std::vector<const ColumnInfo*> out;
  for (const auto& c : columns)
    if (!c.generated) out.push_back(&c);
  return out;
}

Result<SizeEstimate> estimate_size(Connection& conn, const TableInfo& t) {
  // pg_partition_tree() lists a partitioned table's tree, but no row for a plain table;
  // a partitioned root's own reltuples already sums its partitions (ANALYZE), so only
  // relations holding rows count.
  auto rows = conn.query(
      "SELECT coalesce(sum(pg_table_size(c.oid)), 0)::text, "
      "coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint::text FROM pg_class c "
      "WHERE c.oid IN (SELECT $1::regclass UNION SELECT relid FROM pg_partition_tree($1::regclass)) "
      "AND c.relkind <> 'p'",
      {qualified_name(conn, t.schema, t.name)});
  if (!rows.ok()) return rows.error();
  return SizeEstimate{std::stoull(rows->at(0)[1].value_or("0")), std::stoull(rows->at(0)[0].value_or("0"))};
}

const TableInfo* Catalog::find(const std::string& schema, const std::string& name) const {
  for (const auto& t : tables)
    if (t.schema == schema && t.name == name) return &t;
  return nullptr;
}

void order_by_foreign_keys(std::vector<TableInfo>& tables,
                           const std::map<std::string, std::uint64_t>& weight) {
  // Kahn's algorithm over "child depends on parent", always taking the lightest, then
  // the smallest qualified name among the ready tables, so the order is deterministic.
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < tables.size(); ++i) index[tables[i].qualified()] = i;
  auto weight_of = [&](std::size_t i) {
    auto w = weight.find(tables[i].qualified());
    return w == weight.end() ? std::uint64_t{0} : w->second;
  };
  std::vector<std::set<std::size_t>> parents(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i)
    for (const auto& fk : tables[i].foreign_keys) {
      auto it = index.find(fk.ref_schema + "." + fk.ref_table);
      if (it != index.end() && it->second != i) parents[i].insert(it->second);  // self-refs ignored
    }
  std::vector<bool> placed(tables.size(), false);
  std::vector<std::size_t> order;
  for (;;) {
    std::optional<std::size_t> next;
    for (const auto& [name, i] : index) {  // map: name order, so ties go to the first name
      if (placed[i]) continue;
      bool ready = std::all_of(parents[i].begin(), parents[i].end(),
                               [&](std::size_t p) { return placed[p]; });
      if (ready && (!next || weight_of(i) < weight_of(*next))) next = i;
    }
    if (!next) break;
    placed[*next] = true;
    order.push_back(*next);
  }
  for (const auto& [name, i] : index)
    if (!placed[i]) {
      tables[i].in_fk_cycle = true;
      order.push_back(i);
    }
  std::vector<TableInfo> sorted;
  sorted.reserve(tables.size());
  for (auto i : order) sorted.push_back(std::move(tables[i]));
  tables = std::move(sorted);
}

Result<Catalog> load_catalog(Connection& conn, const TableSelection& selection) {
  auto table_rows = conn.query(kTablesSql);
  if (!table_rows.ok()) return table_rows.error();
  std::map<std::string, TableInfo> by_oid;
  std::string oids = "{";
  for (const auto& r : *table_rows) {
    if (!selected(selection, text(r[1]), text(r[2]))) continue;
    TableInfo t;
    t.schema = text(r[1]);
    t.name = text(r[2]);
    t.partitioned = text(r[3]) == "t";
    if (oids.size() > 1) oids += ",";
    oids += text(r[0]);
    by_oid.emplace(text(r[0]), std::move(t));
  }
  oids += "}";
  Params p{oids};

  auto cols = conn.query(kColumnsSql, p);
  if (!cols.ok()) return cols.error();
  for (const auto& r : *cols) {
    ColumnInfo c{text(r[1]), text(r[2]), text(r[3]) == "t", text(r[4]) == "t",
                 text(r[5]).empty() ? char(0) : text(r[5])[0]};
    by_oid[text(r[0])].columns.push_back(std::move(c));
  }
  auto pks = conn.query(kPrimaryKeysSql, p);
  if (!pks.ok()) return pks.error();
  for (const auto& r : *pks) by_oid[text(r[0])].primary_key.push_back(text(r[1]));
  auto seqs = conn.query(kSequencesSql, p);
  if (!seqs.ok()) return seqs.error();
  for (const auto& r : *seqs)
    by_oid[text(r[0])].sequences.push_back(SequenceInfo{text(r[1]), text(r[2]), text(r[3])});
  auto fks = conn.query(kForeignKeysSql, p);
  if (!fks.ok()) return fks.error();
  for (const auto& r : *fks)
    by_oid[text(r[0])].foreign_keys.push_back(
        ForeignKeyInfo{text(r[1]), text(r[2]), text(r[3]), text(r[4]) == "t"});

  Catalog catalog;
  for (auto& [oid, t] : by_oid) catalog.tables.push_back(std::move(t));
  for (const auto& [name, predicate] : selection.exclude_rows) {
    auto pat = parse_table_pattern(name);
    auto it = std::find_if(catalog.tables.begin(), catalog.tables.end(), [&](const TableInfo& t) {
      return t.schema == pat.schema && t.name == pat.table;
    });
    if (it == catalog.tables.end())
      return make_error("unknown_table",
                        "names no synced table; check the name (case matters) and "
                        "sync.tables/sync.exclude_tables",
                        "sync.exclude_rows." + name);
    it->exclude_predicate = predicate;
  }
  // Foreign keys that point outside the synced set do not order anything.
  std::set<std::string> names;
  for (const auto& t : catalog.tables) names.insert(t.qualified());
  for (auto& t : catalog.tables)
    t.foreign_keys.erase(std::remove_if(t.foreign_keys.begin(), t.foreign_keys.end(),
                                        [&](const ForeignKeyInfo& fk) {
                                          return !names.count(fk.ref_schema + "." + fk.ref_table);
                                        }),
                         t.foreign_keys.end());
  order_by_foreign_keys(catalog.tables);
  return catalog;
}

}  // namespace tandem::pg
