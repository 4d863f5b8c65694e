// status, history, show, cancel, clear-stuck: the sessions of this node.
#include <ostream>

#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"
#include "cli/text.hpp"
#include "cli/views.hpp"

namespace tandem::cli {

using nlohmann::json;

int cmd_status(Context& ctx) {
  int rc = 0;
  json list = fetch(ctx, "listing sessions", "/api/admin/sync/sessions?limit=50", rc);
  if (rc) return rc;
  auto names = names_or_empty(ctx);
  json live = json::array();
  std::string text;
  for (const auto& s : live_sessions(list)) {
    std::string id = cell(s, "id");
    json p = fetch(ctx, "reading the progress of " + id,
                   "/api/sync/backup-progress?sessionId=" + url_encode(id), rc);
    if (rc) return rc;
    live.push_back(p);
    text += id + "  " + direction_text(cell(s, "source"), cell(s, "target"), names) +
            "  started " + short_time(cell(s, "startedAt")) + "\n  " + render_plain(read_progress(p)) + "\n" +
            held_up_line(p);
  }
  return print(ctx, json{{"running", live}}, live.empty() ? "No full sync is running.\n" : text);
}

int cmd_history(Context& ctx) {
  int rc = 0;
  json list = fetch(ctx, "listing sessions",
                    "/api/admin/sync/sessions?limit=" + std::to_string(ctx.inv.limit), rc);
  if (rc) return rc;
  return print(ctx, list, ctx.inv.json ? "" : render_history(list, names_or_empty(ctx)));
}

int cmd_show(Context& ctx) {
  int rc = 0;
  json detail = fetch(ctx, "reading session " + ctx.inv.id,
                      "/api/admin/sync/sessions/" + url_encode(ctx.inv.id), rc);
  if (rc) return rc;
  return print(ctx, detail, ctx.inv.json ? "" : render_session(detail, names_or_empty(ctx)));
}

int cmd_cancel(Context& ctx) {
  int rc = 0;
  json answer = send(ctx, "cancelling " + ctx.inv.id,
                     "/api/admin/sync/full-sync/" + url_encode(ctx.inv.id) + "/cancel", rc);
  if (rc) return rc;
  return print(ctx, answer, "Cancel requested for " + ctx.inv.id +
                                "; both nodes stop and the target is left as it was.\n");
}

int cmd_clear_stuck(Context& ctx) {
  int rc = 0;
  json answer = send(ctx, "clearing stuck sessions", "/api/admin/sync/clear-stuck", rc);
  if (rc) return rc;
  std::string text;
  const json& cleared = answer.contains("cleared") ? answer["cleared"] : json::array();
  for (const auto& id : cleared) text += "Cleared " + (id.is_string() ? id.get<std::string>() : id.dump()) + "\n";
  return print(ctx, answer, text.empty() ? "No stuck sessions.\n" : text);
}

}  // namespace tandem::cli
