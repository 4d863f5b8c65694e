#include "http/periodic_routes.hpp"

#include <algorithm>
#include <cctype>

#include "http/api_views.hpp"
#include "http/request_body.hpp"

namespace tandem::http {

using nlohmann::json;

namespace {

// A stored JSON text (a key or a row) as JSON; null when absent.
json stored_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json conflict_json(const ConflictRecord& c) {
  auto version = [](const std::string& origin, TimeMs at, const std::string& row) {
    return json{{"origin", origin}, {"changedAt", iso_time(at)}, {"row", stored_json(row)}};
  };
  return {{"id", c.id},
          {"table", c.table},
          {"key", stored_json(c.key)},
          {"winner", c.winner},
          {"policy", c.policy},
          {"local", version(c.local_origin, c.local_changed_at, c.local_row)},
          {"remote", version(c.remote_origin, c.remote_changed_at, c.remote_row)},
          {"resolvedAt", iso_time(c.resolved_at)}};
}

json quarantined_json(const QuarantinedChange& c) {
  const char* op = c.op == "D" ? "delete" : c.op == "U" ? "update" : "insert";
  return {{"id", c.id},
          {"peer", c.peer},
          {"table", c.table},
          {"op", op},
          {"key", stored_json(c.key)},
          {"row", stored_json(c.row)},
          {"origin", c.origin},
          {"changedAt", iso_time(c.changed_at)},
          {"error", c.error},
          {"quarantinedAt", iso_time(c.quarantined_at)},
          {"retries", c.retries},
          {"lastRetryAt", c.retried_at > 0 ? json(iso_time(c.retried_at)) : json(nullptr)}};
}

// ?peer=&limit= of the periodic listings (?peer= alone without `with_limit`): the peer
// ("" for all) and the limit, or the refusal (unknown parameter, bad limit, unknown peer).
struct ListQuery {
  std::string peer;
  std::size_t limit = 0;
  std::optional<Response> refused;
};

ListQuery list_query(const Request& q, const Config& config, bool with_limit = true) {
  ListQuery out;
  if (with_limit) out.refused = refuse_unknown_query(q, {"peer", "limit"});
  else out.refused = refuse_unknown_query(q, {"peer"});
  if (out.refused) return out;
  if (with_limit) out.limit = query_limit(q, 50, 1000, out.refused);
  if (out.refused) return out;
  if (auto it = q.query.find("peer"); it != q.query.end()) {
    out.peer = it->second;
    if (!config.find_peer(out.peer))
      out.refused = Response::error(404, "unknown peer " + out.peer.substr(0, 64), "peer");
  }
  return out;
}

// The {id} of a quarantine route: a positive whole number.
std::optional<std::int64_t> quarantine_id(const Request& q) {
  const std::string& id = q.params.at("id");
  if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), ::isdigit)) return std::nullopt;
  std::int64_t n = std::stoll(id);
  return n > 0 ? std::optional<std::int64_t>(n) : std::nullopt;
}

// The status of a refused retry or discard: 404 no such change; 409 the request was
// understood and cannot be carried out as things stand (the row changed since, the change
// still fails, a newer one of the row waits, the row is locked right now); 503 otherwise.
Response quarantine_refusal(const Error& e) {
  if (e.code == kQuarantineUnknown) return Response::error(404, e.message, "id");
  if (e.code == kQuarantineRowChanged || e.code == kQuarantineStillFails || e.code == kQuarantineSuperseded ||
      e.code == "pg_conflict")
    return Response::error(409, e.message, "id");
  return Response::error(503, e.message);
}

// A retry's or discard's answer: what was done, or why not.
Response quarantine_answer(const Result<QuarantineAction>& done, const char* verb) {
  if (!done.ok()) return quarantine_refusal(done.error());
  return Response::json(200, {{"success", true},
                              {"id", done->change.id},
                              {"message", std::string(verb)},
                              {"change", quarantined_json(done->change)},
                              {"superseded", done->superseded}});
}

}  // namespace

void add_periodic_routes(Router& router, NodeApi& node, const Config& config) {
  // What was decided for each conflict (SPEC: every conflict is recorded and shown).
  router.add("GET", "/api/admin/sync/periodic/conflicts", Auth::admin_token, [&node, &config](const Request& q) {
    auto query = list_query(q, config);
    if (query.refused) return *query.refused;
    auto list = node.periodic_conflicts(query.peer, query.limit);
    if (!list.ok()) return Response::error(503, list.error().message);
    json out = json::array();
    for (const auto& c : *list) out.push_back(conflict_json(c));
    return Response::json(200, {{"conflicts", out}});
  });

  // Peers' changes that failed to apply here, kept until an admin retries or discards them.
  router.add("GET", "/api/admin/sync/periodic/quarantine", Auth::admin_token, [&node, &config](const Request& q) {
    auto query = list_query(q, config);
    if (query.refused) return *query.refused;
    auto list = node.periodic_quarantine(query.peer, query.limit);
    if (!list.ok()) return Response::error(503, list.error().message);
    json out = json::array();
    for (const auto& c : list->changes) out.push_back(quarantined_json(c));
    return Response::json(200, {{"total", list->total}, {"changes", out}});
  });
  // Every row's newest quarantined change, retried (after fixing a cause many share).
  router.add("POST", "/api/admin/sync/periodic/quarantine/retry-all", Auth::admin_token,
             [&node, &config](const Request& q) {
               if (auto refused = refuse_any_body(q)) return *refused;
               auto query = list_query(q, config, false);
               if (query.refused) return *query.refused;
               auto sweep = node.retry_all_quarantined(query.peer, "requested through the API from " + q.remote);
               if (!sweep.ok()) return quarantine_refusal(sweep.error());
               return Response::json(200, {{"success", true},
                                           {"tried", sweep->tried},
                                           {"applied", sweep->applied},
                                           {"superseded", sweep->superseded},
                                           {"stillFailing", sweep->still_failing},
                                           {"rowChanged", sweep->row_changed},
                                           {"remaining", sweep->remaining}});
             });
  for (bool retry : {true, false}) {
    router.add("POST", retry ? "/api/admin/sync/periodic/quarantine/{id}/retry"
                             : "/api/admin/sync/periodic/quarantine/{id}/discard",
               Auth::admin_token, [&node, retry](const Request& q) {
                 if (auto refused = refuse_any_body(q)) return *refused;
                 auto id = quarantine_id(q);
                 if (!id) return Response::error(400, "must be a quarantined change's id (a positive whole number)", "id");
                 const std::string who = "requested through the API from " + q.remote;
                 return retry ? quarantine_answer(node.retry_quarantined(*id, who), "applied")
                              : quarantine_answer(node.discard_quarantined(*id, who), "discarded");
               });
  }

  router.add("GET", "/api/admin/sync/periodic", Auth::admin_token, [&node](const Request&) {
    auto peers = node.periodic();
    if (!peers.ok()) return Response::error(503, peers.error().message);
    json out = json::array();
    for (const auto& p : *peers)
      out.push_back({{"peer", p.peer},
                     {"name", p.name},
                     {"state", p.state},
                     {"lastRoundAt", iso_time(p.last_round_at)},
                     {"lagSeconds", p.lag_s},
                     {"pending", p.pending ? json(*p.pending) : json(nullptr)},
                     {"applied", p.applied},
                     {"conflicts", p.conflicts},
                     {"quarantined", p.quarantined},
                     {"quarantineHeld", p.quarantine_held ? json(*p.quarantine_held) : json(nullptr)},
                     {"blockedBy", p.blocked_by.empty() ? json(nullptr) : json(p.blocked_by)},
                     {"lastError", p.last_error.empty() ? json(nullptr) : json(p.last_error)}});
    return Response::json(200, {{"peers", out}});
  });
  for (bool pause : {true, false}) {
    router.add("POST", pause ? "/api/admin/sync/periodic/pause" : "/api/admin/sync/periodic/resume",
               Auth::admin_token, [&node, pause](const Request& q) {
                 if (auto refused = refuse_any_body(q)) return *refused;
                 auto st = node.set_periodic_paused(pause);
                 if (!st.ok()) return Response::error(503, st.error().message);
                 return Response::json(200, {{"success", true},
                                             {"state", pause ? "paused" : "resumed"}});
               });
  }
}

}  // namespace tandem::http
