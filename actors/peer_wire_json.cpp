#include "actors/peer_wire_json.hpp"

#include <nlohmann/json.hpp>

namespace tandem {
namespace {

using nlohmann::json;

Result<json> parse_object(const std::string& text, const char* what) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error("peer_http", std::string("the peer's ") + what + " is not a JSON object: " +
                                       text.substr(0, 120));
  return j;
}

}  // namespace

std::string backup_request_body(const std::string& session_json, const std::string& digest_json,
                                const std::string& probe_json) {
  if (digest_json.empty() && probe_json.empty()) return session_json;
  auto j = json::parse(session_json, nullptr, false);
  if (!j.is_object()) return session_json;
  for (const auto& [key, text] : {std::pair{"rangeDigest", &digest_json}, std::pair{"rangeProbe", &probe_json}}) {
    if (text->empty()) continue;
    auto d = json::parse(*text, nullptr, false);
    if (!d.is_discarded()) j[key] = std::move(d);
  }
  return j.dump();
}

BackupRequestBody split_backup_request(const std::string& body) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object() || (!j.contains("rangeDigest") && !j.contains("rangeProbe"))) return {body, "", ""};
  BackupRequestBody out;
  for (const auto& [key, text] : {std::pair{"rangeDigest", &out.digest_json}, std::pair{"rangeProbe", &out.probe_json}}) {
    if (!j.contains(key)) continue;
    *text = j[key].dump();
    j.erase(key);
  }
  out.session_json = j.dump();
  return out;
}

std::string peer_reply_to_json(const peer_reply& r) {
  return json{{"status", r.status}, {"detail", r.detail}, {"sessionId", r.session_id}}.dump();
}

Result<peer_reply> peer_reply_from_json(const std::string& text) {
  auto j = parse_object(text, "reply");
  if (!j.ok()) return j.error();
  try {
    return peer_reply{j->at("status").get<std::string>(), j->value("detail", ""),
                      j->value("sessionId", "")};
  } catch (const json::exception& e) {
    return make_error("peer_http", std::string("the peer's reply: ") + e.what());
  }
}

std::string backup_status_to_json(const backup_status& b) {
  return json{{"state", b.state},         {"bytesDone", b.bytes_done}, {"bytesTotal", b.bytes_total},
              {"rowsDone", b.rows_done},  {"rowsTotal", b.rows_total}, {"manifest", b.manifest_json},
              {"error", b.error},         {"probeVerdict", b.probe_verdict},
              {"activity", b.activity},   {"activityDetail", b.activity_detail},
              {"table", b.table}}
      .dump();
}

Result<backup_status> backup_status_from_json(const std::string& text) {
  auto j = parse_object(text, "backup status");
  if (!j.ok()) return j.error();
  try {
    backup_status b;
    b.state = j->at("state").get<std::string>();
    b.bytes_done = j->value("bytesDone", std::uint64_t{0});
    b.bytes_total = j->value("bytesTotal", std::uint64_t{0});
    b.rows_done = j->value("rowsDone", std::uint64_t{0});
    b.rows_total = j->value("rowsTotal", std::uint64_t{0});
    b.manifest_json = j->value("manifest", "");
    b.error = j->value("error", "");
    b.probe_verdict = j->value("probeVerdict", "");
    b.activity = j->value("activity", "");  // absent from an older peer
    b.activity_detail = j->value("activityDetail", "");
    b.table = j->value("table", "");
    return b;
  } catch (const json::exception& e) {
    return make_error("peer_http", std::string("the peer's backup status: ") + e.what());
  }
}

}  // namespace tandem
