// ChangeBatch <-> JSON, the form a batch crosses the peer link in. Field names are part of
// the wire format: add, never rename. Short keys because a batch holds thousands of rows.
#include "persistence/periodic/change_feed.hpp"

namespace tandem {
namespace {

nlohmann::json cursor_to_json(const ChangeCursor& c) {
  return {{"prev", c.prev_snapshot}, {"window", c.window_snapshot}, {"last_id", c.last_id}};
}

Error bad(const std::string& what, const std::string& field) {
  return make_error("bad_batch", "change batch: " + what, field);
}

Result<ChangeCursor> cursor_from_json(const nlohmann::json& j, const std::string& field) {
  if (!j.is_object()) return bad("cursor is not an object", field);
  ChangeCursor c;
  auto p = j.find("prev"), w = j.find("window"), l = j.find("last_id");
  if (p == j.end() || !p->is_string()) return bad("missing string", field + ".prev");
  if (w == j.end() || !w->is_string()) return bad("missing string", field + ".window");
  if (l == j.end() || !l->is_number_integer()) return bad("missing integer", field + ".last_id");
  c.prev_snapshot = p->get<std::string>();
  c.window_snapshot = w->get<std::string>();
  c.last_id = l->get<std::int64_t>();
  return c;
}

}  // namespace

Result<Change> change_from_json(const nlohmann::json& j, const std::string& field) {
  if (!j.is_object()) return bad("change is not an object", field);
  Change c;
  auto get = [&](const char* key) -> const nlohmann::json* {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  };
  const auto *id = get("id"), *schema = get("schema"), *table = get("table"), *op = get("op"),
             *pk = get("pk"), *row = get("row"), *origin = get("origin"), *at = get("changed_at"),
             *txid = get("txid");
  if (!id || !id->is_number_integer()) return bad("missing integer", field + ".id");
  if (!schema || !schema->is_string()) return bad("missing string", field + ".schema");
  if (!table || !table->is_string()) return bad("missing string", field + ".table");
  if (!op || !op->is_string() || op->get<std::string>().size() != 1 ||
      std::string("IUD").find(op->get<std::string>()[0]) == std::string::npos)
    return bad("op must be \"I\", \"U\" or \"D\"", field + ".op");
  if (!pk || !pk->is_object() || pk->empty()) return bad("pk must be a non-empty object", field + ".pk");
  if (!origin || !origin->is_string()) return bad("missing string", field + ".origin");
  if (!at || !at->is_number_integer()) return bad("missing integer", field + ".changed_at");
  if (txid && !txid->is_number_integer()) return bad("must be an integer", field + ".txid");
  c.id = id->get<std::int64_t>();
  c.schema = schema->get<std::string>();
  c.table = table->get<std::string>();
  c.op = op->get<std::string>()[0];
  c.pk = *pk;
  c.row = row ? *row : nlohmann::json();
  if (c.op != 'D' && !c.row.is_object()) return bad("row must be an object for I and U", field + ".row");
  c.origin = origin->get<std::string>();
  c.changed_at = at->get<std::int64_t>();
  c.txid = txid ? txid->get<std::int64_t>() : 0;  // absent from older nodes' batches
  return c;
}

nlohmann::json change_to_json(const Change& c) {
  nlohmann::json j = {{"id", c.id},         {"schema", c.schema}, {"table", c.table},
                      {"op", std::string(1, c.op)}, {"pk", c.pk}, {"row", c.row},
                      {"origin", c.origin}, {"changed_at", c.changed_at}};
  if (c.txid != 0) j["txid"] = c.txid;
  return j;
}

nlohmann::json batch_to_json(const ChangeBatch& b) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : b.changes) changes.push_back(change_to_json(c));
  return {{"changes", std::move(changes)}, {"next", cursor_to_json(b.next)}, {"more", b.more}};
}

Result<ChangeBatch> batch_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return bad("not an object", "");
  ChangeBatch b;
  auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array()) return bad("missing array", "changes");
  b.changes.reserve(changes->size());
  for (std::size_t i = 0; i < changes->size(); ++i) {
    auto c = change_from_json((*changes)[i], "changes[" + std::to_string(i) + "]");
    if (!c.ok()) return c.error();
    if (!b.changes.empty() && c->id <= b.changes.back().id)
      return bad("changes are not in id order", "changes[" + std::to_string(i) + "].id");
    b.changes.push_back(std::move(*c));
  }
  auto next = j.find("next");
  if (next == j.end()) return bad("missing cursor", "next");
  auto cursor = cursor_from_json(*next, "next");
  if (!cursor.ok()) return cursor.error();
  b.next = *cursor;
  auto more = j.find("more");
  if (more == j.end() || !more->is_boolean()) return bad("missing boolean", "more");
  b.more = more->get<bool>();
  return b;
}

}  // namespace tandem
