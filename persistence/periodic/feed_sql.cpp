#include "persistence/periodic/feed_sql.hpp"

#include <cstdint>
#include <cstdio>

namespace tandem::periodic {
namespace {

std::string base_type(const std::string& type) { return type.substr(0, type.find_first_of("([")); }

// "'a', NEW.a, 'b', NEW.b::text" for jsonb_build_object.
std::string build_object_args(const pg::Connection& conn, const std::vector<const pg::ColumnInfo*>& cols,
                              const std::string& rec) {
  std::string out;
  for (const auto* c : cols) {
    if (!out.empty()) out += ", ";
    out += conn.quote_literal(c->name) + ", " + rec + "." + conn.quote_ident(c->name);
    if (travels_as_text(*c)) out += "::text";
  }
  return out;
}

std::string text_array(const pg::Connection& conn, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + conn.quote_literal(n);
  return "ARRAY[" + out + "]::text[]";
}

}  // namespace

bool travels_as_text(const pg::ColumnInfo& column) {
  std::string b = base_type(column.type);
  // jsonb numbers are numerics: a float's -0 would arrive as 0 (and numeric's scale, json's
  // spacing and key order would be normalised), so these travel as their text form.
  return b == "numeric" || b == "json" || b == "jsonb" || b == "double precision" || b == "real";
}

std::string row_json_expr(const pg::Connection& conn, const pg::TableInfo& t,
                          const std::string& rec) {
  std::vector<std::string> dropped;
  std::vector<const pg::ColumnInfo*> as_text;
  for (const auto& c : t.columns) {
    if (c.generated) dropped.push_back(c.name);
    else if (travels_as_text(c)) as_text.push_back(&c);
  }
  std::string e = "to_jsonb(" + rec + ")";
  if (!dropped.empty()) e = "(" + e + " - " + text_array(conn, dropped) + ")";
  if (!as_text.empty()) e = "(" + e + " || jsonb_build_object(" + build_object_args(conn, as_text, rec) + "))";
  return e;
}

std::string key_json_expr(const pg::Connection& conn, const pg::TableInfo& t,
                          const std::string& rec) {
  std::vector<const pg::ColumnInfo*> key;
  for (const auto& k : t.primary_key)
    if (const auto* c = t.column(k)) key.push_back(c);
  return "jsonb_build_object(" + build_object_args(conn, key, rec) + ")";
}

std::string column_from_json(const pg::Connection& conn, const pg::ColumnInfo& column,
                             const std::string& param, const std::string& alias) {
  if (travels_as_text(column))
    return "((" + param + "::jsonb ->> " + conn.quote_literal(column.name) + ")::" + column.type + ")";
  return alias + "." + conn.quote_ident(column.name);
}

std::string record_from_json(const pg::Connection& conn, const pg::TableInfo& t,
                             const std::string& param, const std::string& alias) {
  std::vector<std::string> as_text;
  for (const auto& c : t.columns)
    if (!c.generated && travels_as_text(c)) as_text.push_back(c.name);
  // The text-travelling keys are removed so that populate_record never tries to read a
  // JSON string as, say, a json[] value; column_from_json reads them instead.
  std::string arg = param + "::jsonb";
  if (!as_text.empty()) arg = "(" + arg + " - " + text_array(conn, as_text) + ")";
  return "jsonb_populate_record(NULL::" + pg::qualified_name(conn, t.schema, t.name) + ", " + arg +
         ") " + alias;
}

std::string row_changed_expr(const pg::Connection&, const pg::TableInfo&) {
  // Byte-wise, like the data plane's merge (merge_sql.cpp): `IS DISTINCT FROM` calls
  // numeric 1.0 and 1.00, or float -0 and 0, equal, so such an update would never reach
  // the peer while the content checksums (text form) differ. record_image_ne also
  // compares json, xml and geometric columns, which have no equality operator.
  return "NEW *<> OLD";
}

std::string epoch_ms_expr(const std::string& ts) {
  return "floor(extract(epoch FROM " + ts + ") * 1000)::bigint";
}

std::string acked_condition(const std::string& c, const std::string& a) {
  return "(coalesce(txid_visible_in_snapshot(" + c + ".txid, " + a + ".acked_snapshot), false) OR "
         "coalesce(txid_visible_in_snapshot(" + c + ".txid, " + a + ".acked_window) AND " + c +
         ".id <= " + a + ".acked_last_id, false))";
}

std::string snapshot_param(const std::string& param) {
  return "NULLIF(" + param + "::text, '')::txid_snapshot";
}

std::string name_hash(const std::string& schema, const std::string& table) {
  // FNV-1a over "schema\0table": stable across builds and platforms, unlike std::hash.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char ch : s) { h ^= ch; h *= 1099511628211ull; }
    h ^= 0; h *= 1099511628211ull;
  };
  mix(schema);
  mix(table);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace tandem::periodic
