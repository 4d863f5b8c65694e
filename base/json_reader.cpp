#include "base/json_reader.hpp"

#include <algorithm>
#include <sstream>
#include <cmath>

namespace tandem {

using nlohmann::json;

void JsonErrors::add(std::string path, std::string reason) {
  items_.push_back(make_error("bad_field", std::move(reason), std::move(path)));
}

Error JsonErrors::to_error(const std::string& code) const {
  if (items_.empty()) return make_error(code, "no error");
  std::string msg;
  for (const auto& e : items_) {
    if (!msg.empty()) msg += "; ";
    msg += e.describe();
  }
  return make_error(code, msg, items_.front().field);
}

namespace {

// Thrown from the parser callback to stop at the first bound passed; never escapes
// parse_json.
struct TooBig {
  std::string reason;
};

bool within_bounds(int depth, json::parse_event_t event, json& parsed) {
  using E = json::parse_event_t;
  // `depth` counts the containers around the one being opened, so the top-level
  // object opens at 0 and the 33rd level at 32.
  if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth)
    throw TooBig{"nests objects/arrays deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
  if ((event == E::key || event == E::value) && parsed.is_string() &&
      parsed.get_ref<const std::string&>().size() > kMaxJsonStringBytes)
    throw TooBig{"holds a string longer than " + std::to_string(kMaxJsonStringBytes) + " bytes"};
  return true;
}

}  // namespace

std::optional<json> parse_json(const std::string& text, JsonErrors& errs, const std::string& what) {
  try {
    return json::parse(text, within_bounds);
  } catch (const TooBig& e) {
    errs.add("", what + " " + e.reason);
    return std::nullopt;
  } catch (const json::parse_error& e) {
    // Turn the byte offset into line:column, which is what an editor shows.
    std::size_t line = 1, col = 1;
    std::size_t upto = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < upto; ++i) {
      if (text[i] == '\n') { ++line; col = 1; } else { ++col; }
    }
    errs.add("", what + " is not valid JSON (line " + std::to_string(line) + ", column " +
                     std::to_string(col) + ")");
    return std::nullopt;
  }
}

ObjectReader::ObjectReader(const json& value, std::string path, JsonErrors& errs)
    : value_(value), path_(std::move(path)), errs_(errs), is_object_(value.is_object()) {
  if (!is_object_) errs_.add(path_, "must be an object");
}

bool ObjectReader::has(const std::string& key) const {
  return is_object_ && value_.contains(key);
}

std::string ObjectReader::path_of(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

const json* ObjectReader::find(const std::string& key, Need need) {
  seen_.push_back(key);
  if (!is_object_) return nullptr;
  auto it = value_.find(key);
  if (it == value_.end() || it->is_null()) {
    if (need == Need::required) errs_.add(path_of(key), "is required");
    return nullptr;
  }
  return &*it;
}

void ObjectReader::wrong_type(const std::string& key, const char* expected) {
  errs_.add(path_of(key), std::string("must be ") + expected);
}

std::optional<std::string> ObjectReader::string(const std::string& key, Need need,
                                                std::size_t max_len) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_string()) return wrong_type(key, "a string"), std::nullopt;
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_len) {
    errs_.add(path_of(key), "is longer than " + std::to_string(max_len) + " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> ObjectReader::boolean(const std::string& key, Need need) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) return wrong_type(key, "true or false"), std::nullopt;
  return v->get<bool>();
}

std::optional<std::int64_t> ObjectReader::integer(const std::string& key, Need need,
                                                  std::int64_t min, std::int64_t max) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) return wrong_type(key, "a whole number"), std::nullopt;
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    errs_.add(path_of(key), "must be at most " + std::to_string(max));
    return std::nullopt;
  }
  auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    errs_.add(path_of(key), "must be between " + std::to_string(min) + " and " +
                                std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint64_t> ObjectReader::unsigned_integer(const std::string& key, Need need) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0))
    return wrong_type(key, "a whole number of at least 0"), std::nullopt;
  return v->get<std::uint64_t>();
}

std::optional<double> ObjectReader::number(const std::string& key, Need need, double min,
                                           double max) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_number()) return wrong_type(key, "a number"), std::nullopt;
  double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    std::ostringstream range;
    range << "must be between " << min << " and " << max;
    errs_.add(path_of(key), range.str());
    return std::nullopt;
  }
  return d;
}

std::optional<std::vector<std::string>> ObjectReader::string_array(const std::string& key,
                                                                   Need need,
                                                                   std::size_t max_items) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_array()) return wrong_type(key, "an array of strings"), std::nullopt;
  if (v->size() > max_items) {
    errs_.add(path_of(key), "has more than " + std::to_string(max_items) + " items");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& item = (*v)[i];
    if (!item.is_string()) {
      errs_.add(path_of(key) + "[" + std::to_string(i) + "]", "must be a string");
      return std::nullopt;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ObjectReader::string_map(
    const std::string& key, Need need) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_object()) return wrong_type(key, "an object of strings"), std::nullopt;
  std::map<std::string, std::string> out;
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) {
      errs_.add(path_of(key) + "." + it.key(), "must be a string");
      return std::nullopt;
    }
    out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

const json* ObjectReader::object(const std::string& key, Need need) {
  const json* v = find(key, need);
  if (v && !v->is_object()) return wrong_type(key, "an object"), nullptr;
  return v;
}

const json* ObjectReader::array(const std::string& key, Need need) {
  const json* v = find(key, need);
  if (v && !v->is_array()) return wrong_type(key, "an array"), nullptr;
  return v;
}

void ObjectReader::finish() {
  if (!is_object_) return;
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    if (std::find(seen_.begin(), seen_.end(), it.key()) == seen_.end())
      errs_.add(path_of(it.key()), "is not a known key");
  }
}

}  // namespace tandem
