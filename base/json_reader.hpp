// Reading untrusted JSON objects field by field, with the path of every field, so that a
// bad config file or API request is refused with "the key's path and the reason".
// Used by config/ (the daemon's config file) and http/ (request bodies).
//
//   JsonErrors errs;
//   ObjectReader node(doc, "", errs);
//   auto id = node.string("id", Need::required);
//   node.finish();                       // unknown keys become errors
//   if (!errs.empty()) return errs.to_error("bad_config");
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace tandem {

class JsonErrors {
 public:
  void add(std::string path, std::string reason);
  bool empty() const { return items_.empty(); }
  const std::vector<Error>& items() const { return items_; }
  // One Error: field = first failing path, message = every reason ("a: x; b: y").
  Error to_error(const std::string& code) const;

 private:
  std::vector<Error> items_;
};

enum class Need { required, optional };

// Bounds on untrusted JSON, checked while parsing so a hostile document is refused
// before it is built: arrays/objects nested deeper than this, and any string (key or
// value) longer than this many bytes (after unescaping).
inline constexpr int kMaxJsonDepth = 32;
inline constexpr std::size_t kMaxJsonStringBytes = 64 * 1024;

// Parses text into JSON; on failure adds an error at "" naming line and column, or
// naming the bound that was passed (nesting depth, string length).
std::optional<nlohmann::json> parse_json(const std::string& text, JsonErrors& errs,
                                         const std::string& what = "JSON");

class ObjectReader {
 public:
  // `value` must outlive the reader. If it is not an object, an error is recorded at
  // `path` and every getter returns its default.
  ObjectReader(const nlohmann::json& value, std::string path, JsonErrors& errs);

  bool has(const std::string& key) const;
  std::string path_of(const std::string& key) const;

  std::optional<std::string> string(const std::string& key, Need need,
                                    std::size_t max_len = 4096);
  std::optional<bool> boolean(const std::string& key, Need need);
  // Integers only (1.5 and "3" are refused), within [min, max].
  std::optional<std::int64_t> integer(const std::string& key, Need need, std::int64_t min,
                                      std::int64_t max);
  // Non-negative integers up to 2^64-1 (counters, byte totals).
  std::optional<std::uint64_t> unsigned_integer(const std::string& key, Need need);
  std::optional<double> number(const std::string& key, Need need, double min, double max);
  std::optional<std::vector<std::string>> string_array(const std::string& key, Need need,
                                                       std::size_t max_items = 1024);
  std::optional<std::map<std::string, std::string>> string_map(const std::string& key,
                                                               Need need);
  // A nested object; returns nullptr (and records an error when required or mistyped).
  const nlohmann::json* object(const std::string& key, Need need);
  // A nested array of anything; the caller reads its elements.
  const nlohmann::json* array(const std::string& key, Need need);

  // Records an error for every key that no getter asked for.
  void finish();

  JsonErrors& errors() { return errs_; }

 private:
  const nlohmann::json* find(const std::string& key, Need need);
  void wrong_type(const std::string& key, const char* expected);

  const nlohmann::json& value_;
  std::string path_;
  JsonErrors& errs_;
  bool is_object_;
  std::vector<std::string> seen_;
};

}  // namespace tandem
