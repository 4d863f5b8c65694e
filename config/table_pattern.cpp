#include "config/table_pattern.hpp"

#include <optional>
#include <vector>

namespace tandem {
namespace {

// Splits "a.b" / "\"a.x\".b" into its two parts, unquoting; nullopt if not two parts.
std::optional<std::vector<std::string>> split_parts(const std::string& text) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      if (quoted && i + 1 < text.size() && text[i + 1] == '"') {
        parts.back() += '"';  // "" inside quotes is a literal quote
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  if (quoted || parts.size() != 2) return std::nullopt;
  return parts;
}

}  // namespace

std::string table_pattern_problem(const std::string& text) {
  auto parts = split_parts(text);
  if (!parts)
    return "must be schema.table (e.g. \"public.*\"), got \"" + text + "\"";
  if ((*parts)[0].empty() || (*parts)[1].empty())
    return "has an empty schema or table part: \"" + text + "\"";
  return {};
}

std::string table_name_problem(const std::string& text) {
  auto why = table_pattern_problem(text);
  if (!why.empty()) return why;
  if (text.find('*') != std::string::npos) return "must name one table, without '*'";
  return {};
}

TablePattern parse_table_pattern(const std::string& text) {
  auto parts = split_parts(text);
  if (!parts) return {};
  return TablePattern{(*parts)[0], (*parts)[1]};
}

bool glob_match(const std::string& pattern, const std::string& name) {
  // Iterative '*' matching with backtracking to the last star: linear in practice.
  std::size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool matches(const TablePattern& p, const std::string& schema, const std::string& table) {
  return glob_match(p.schema, schema) && glob_match(p.table, table);
}

}  // namespace tandem
