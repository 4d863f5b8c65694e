// What every command shares: calling the node, turning refusals into messages, and
// choosing between text and --json output.
#include <ostream>

#include "cli/commands.hpp"
#include "cli/views.hpp"

namespace tandem::cli {

int report(Context& ctx, const std::string& message, int exit_code) {
  ctx.err << "tandemctl: " << message << "\n";
  return exit_code;
}

std::string refusal(const ApiAnswer& a, const std::string& what) {
  if (a.status == 401)
    return what + ": the node refused the admin token (" + a.error_text() +
           "); check --token / $TANDEM_TOKEN against http.admin_token in the node's config";
  return what + ": " + a.error_text() + " (HTTP " + std::to_string(a.status) + ")";
}

namespace {
nlohmann::json checked(Context& ctx, const std::string& what, const Result<ApiAnswer>& a, int& exit_code) {
  if (!a.ok()) {
    exit_code = report(ctx, a.error().message);
    return nullptr;
  }
  if (!a->ok()) {
    exit_code = report(ctx, refusal(*a, what));
    return nullptr;
  }
  exit_code = kExitOk;
  return a->body.is_discarded() ? nlohmann::json::object() : a->body;
}
}  // namespace

nlohmann::json fetch(Context& ctx, const std::string& what, const std::string& path, int& exit_code) {
  return checked(ctx, what, ctx.api.get(path), exit_code);
}

nlohmann::json send(Context& ctx, const std::string& what, const std::string& path, int& exit_code) {
  return checked(ctx, what, ctx.api.post(path, nlohmann::json::object()), exit_code);
}

std::map<std::string, std::string> names_or_empty(Context& ctx) {
  auto a = ctx.api.get("/api/admin/sync/peers");
  return a.ok() && a->ok() ? node_names(a->body) : NodeNames{};
}

int print(Context& ctx, const nlohmann::json& answer, const std::string& text) {
  if (ctx.inv.json) ctx.out << answer.dump() << "\n";
  else ctx.out << text;
  ctx.out.flush();
  return kExitOk;
}

int run_command(Context& ctx) {
  const std::string& c = ctx.inv.command;
  if (c == "full-sync") return cmd_full_sync(ctx);
  if (c == "status") return cmd_status(ctx);
  if (c == "history") return cmd_history(ctx);
  if (c == "show") return cmd_show(ctx);
  if (c == "cancel") return cmd_cancel(ctx);
  if (c == "clear-stuck") return cmd_clear_stuck(ctx);
  if (c == "peers") return cmd_peers(ctx);
  if (c == "periodic") return cmd_periodic(ctx);
  return report(ctx, "unknown command \"" + c + "\"");
}

}  // namespace tandem::cli
