// peers and periodic: the nodes this node knows and its periodic sync with them.
#include <ostream>

#include "cli/commands.hpp"
#include "cli/views.hpp"

namespace tandem::cli {

using nlohmann::json;

int cmd_peers(Context& ctx) {
  int rc = 0;
  json peers = fetch(ctx, "listing peers", "/api/admin/sync/peers", rc);
  if (rc) return rc;
  return print(ctx, peers, render_peers(peers));
}

namespace {

// `periodic retry all`: every row's newest quarantined change, retried; what happened.
// 0 when everything tried applied; 1 when some still fail or were refused.
int retry_all_quarantined(Context& ctx) {
  int rc = 0;
  json a = send(ctx, "retry of the quarantined changes", "/api/admin/sync/periodic/quarantine/retry-all", rc);
  if (rc) return rc;
  auto n = [&](const char* key) { return a.is_object() ? a.value(key, std::uint64_t{0}) : 0; };
  std::string text = std::to_string(n("applied")) + " of " + std::to_string(n("tried")) + " rows applied";
  if (n("superseded")) text += " (and " + std::to_string(n("superseded")) + " older changes of them dropped)";
  text += "; " + std::to_string(n("stillFailing")) + " still failing, " + std::to_string(n("rowChanged")) +
          " refused because the row changed since (discard those); " + std::to_string(n("remaining")) +
          " quarantined.\n";
  int printed = print(ctx, a, text);
  return printed ? printed : (n("stillFailing") + n("rowChanged") > 0 ? kExitSyncFailed : kExitOk);
}

// `periodic retry ID` and `periodic discard ID`: 0 when done; 1 when the node could not
// (the change still fails, its row changed since, a newer one waits); 2 for an unknown
// id or no answer.
int act_on_quarantined(Context& ctx, const std::string& verb) {
  if (verb == "retry" && ctx.inv.id == "all") return retry_all_quarantined(ctx);
  const std::string path = "/api/admin/sync/periodic/quarantine/" + ctx.inv.id + "/" + verb;
  auto a = ctx.api.post(path, json::object());
  if (!a.ok()) return report(ctx, a.error().message);
  if (!a->ok())
    return report(ctx, refusal(*a, verb + " of quarantined change " + ctx.inv.id),
                  a->status == 409 ? kExitSyncFailed : kExitUsage);
  const auto older = a->body.is_object() ? a->body.value("superseded", json::array()).size() : 0;
  return print(ctx, a->body, "Change " + ctx.inv.id + (verb == "retry" ? " applied" : " discarded") +
                                 (older ? " (and " + std::to_string(older) + " older changes of its row dropped)" : "") +
                                 ".\n");
}

}  // namespace

int cmd_periodic(Context& ctx) {
  const std::string& verb = ctx.inv.periodic_verb;
  if (verb == "conflicts" || verb == "quarantine") {
    int rc = 0;
    json list = fetch(ctx, "listing " + std::string(verb == "conflicts" ? "conflicts" : "quarantined changes"),
                      "/api/admin/sync/periodic/" + verb + "?limit=50", rc);
    if (rc) return rc;
    return print(ctx, list, verb == "conflicts" ? render_conflicts(list, names_or_empty(ctx))
                                                : render_quarantine(list, names_or_empty(ctx)));
  }
  if (verb == "retry" || verb == "discard") return act_on_quarantined(ctx, verb);
  const std::string path = "/api/admin/sync/periodic" + (verb.empty() ? "" : "/" + verb);
  auto a = verb.empty() ? ctx.api.get(path) : ctx.api.post(path, json::object());
  if (!a.ok()) return report(ctx, a.error().message);
  // 404 here is the route missing (a node built before periodic sync), not a resource.
  if (a->status == 404) return report(ctx, "this node does not serve periodic sync yet (" + path + ": 404)");
  if (!a->ok()) return report(ctx, refusal(*a, verb.empty() ? "reading periodic sync" : verb + " periodic sync"));
  if (!verb.empty()) {
    std::string done = verb == "pause" ? "Periodic sync paused.\n" : "Periodic sync resumed.\n";
    const json& body = a->body;
    bool has_message = body.is_object() && body.contains("message") && body["message"].is_string();
    return print(ctx, body, has_message ? body["message"].get<std::string>() + "\n" : done);
  }
  std::string text = render_periodic(a->body, names_or_empty(ctx));
  // The newest few conflicts under the table; `periodic conflicts` lists more.
  auto recent = ctx.api.get("/api/admin/sync/periodic/conflicts?limit=3");
  if (recent.ok() && recent->ok() && recent->body.is_object() && !recent->body.value("conflicts", json::array()).empty())
    text += "Recent conflicts (tandemctl periodic conflicts for more):\n" +
            render_conflicts(recent->body, names_or_empty(ctx), "  ");
  // Changes waiting for an admin are worth a line of their own.
  auto held = ctx.api.get("/api/admin/sync/periodic/quarantine?limit=1");
  if (held.ok() && held->ok() && held->body.is_object() && held->body.value("total", std::uint64_t{0}) > 0)
    text += std::to_string(held->body.value("total", std::uint64_t{0})) +
            " of the peers' changes failed to apply here and are quarantined (tandemctl periodic quarantine).\n";
  return print(ctx, a->body, text);
}

}  // namespace tandem::cli
