// Table patterns of `sync.tables` / `sync.exclude_tables`: "schema.table", where either
// part may hold '*' (any run of characters) and may be double-quoted to hold a '.'
// ("public.*", "app.\"Order.Items\"", "*.audit_*"). Names compare exactly (case matters),
// as PostgreSQL stores them: `public.FullSyncSessions` matches the table created as
// "FullSyncSessions".
#pragma once

#include <string>

namespace tandem {

struct TablePattern {
  std::string schema;  // unquoted, may contain '*'
  std::string table;
};

// Empty when `text` is a valid pattern, else the reason.
std::string table_pattern_problem(const std::string& text);
// Empty when `text` names one table ("schema.table", no '*'), else the reason.
std::string table_name_problem(const std::string& text);

// Splits a valid pattern; call table_pattern_problem first.
TablePattern parse_table_pattern(const std::string& text);

bool glob_match(const std::string& pattern, const std::string& name);
bool matches(const TablePattern& p, const std::string& schema, const std::string& table);

}  // namespace tandem
