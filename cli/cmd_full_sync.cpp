// full-sync: start a pull or push on this node, then follow it to the end.
#include <ostream>

#include "cli/commands.hpp"
#include "cli/views.hpp"

namespace tandem::cli {

using nlohmann::json;

namespace {

// The request body (SPEC.md, POST /api/admin/sync/full-sync). Options left out take
// the node's configured defaults; the flags only ever turn things off or on mirror.
json start_request(const FullSyncArgs& f) {
  json options = json::object();
  if (f.no_compress) options["compressionEnabled"] = false;
  if (f.no_verify) options["verifyAfterSync"] = false;
  if (f.mirror) options["mode"] = "mirror";
  if (f.http) options["method"] = "http";
  return {{"action", f.direction}, {"targetPeer", {{"nodeId", f.peer}}}, {"options", options}};
}

// Bad input, an unknown peer, a bad token: the invocation is wrong (2). Busy (409) or a
// peer that refused the push (502): the sync could not run (1). A peer that is down is
// no refusal: the session waits for it, and we follow it like any other.
int start_refused_exit(int status) {
  return status == 400 || status == 401 || status == 404 || status == 405 ? kExitUsage : kExitSyncFailed;
}

}  // namespace

int cmd_full_sync(Context& ctx) {
  auto a = ctx.api.post("/api/admin/sync/full-sync", start_request(ctx.inv.full_sync));
  if (!a.ok()) return report(ctx, a.error().message);
  if (a->status != 202) {
    std::string msg = refusal(*a, "full sync refused");
    if (a->status == 409 && a->body.is_object() && a->body.contains("sessionId"))
      msg += "; running: " + a->body["sessionId"].dump() + " (follow it with: tandemctl status)";
    return report(ctx, msg, start_refused_exit(a->status));
  }
  std::string id = cell(a->body, "sessionId");
  if (id == "-") return report(ctx, "the node accepted the full sync but sent no sessionId: " + a->raw);
  if (!ctx.inv.json) {
    std::string message = cell(a->body, "message");
    ctx.out << (message == "-" ? "Full sync started" : message) << " (" << id << ")\n";
    ctx.out.flush();
  }
  return follow_session(ctx, id);
}

}  // namespace tandem::cli
