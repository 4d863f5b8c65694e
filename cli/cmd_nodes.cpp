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

int cmd_periodic(Context& ctx) {
  const std::string& verb = ctx.inv.periodic_verb;
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
  return print(ctx, a->body, render_periodic(a->body, names_or_empty(ctx)));
}

}  // namespace tandem::cli
