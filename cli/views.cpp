#include "cli/views.hpp"

#include <cstdio>

#include "cli/progress_bar.hpp"
#include "cli/text.hpp"

namespace tandem::cli {
namespace {

using nlohmann::json;

}  // namespace

std::string cell(const json& obj, const char* key) {
  if (!obj.is_object()) return "-";
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
  if (it->is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", it->get<double>());
    return buf;
  }
  return it->dump();
}

namespace {

double num(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number() ? it->get<double>() : 0;
}

const json& list_of(const json& answer, const char* key) {
  static const json empty = json::array();
  if (answer.is_array()) return answer;
  if (answer.is_object() && answer.contains(key) && answer[key].is_array()) return answer[key];
  return empty;
}

std::string node_label(const std::string& id, const NodeNames& names) {
  auto it = names.find(id);
  return it == names.end() || it->second.empty() ? id : it->second;
}

std::string session_direction(const json& s, const NodeNames& names) {
  return direction_text(cell(s, "source"), cell(s, "target"), names);
}

std::string log_line(const json& entry) {
  if (entry.is_string()) return entry.get<std::string>();
  std::string at = short_time(cell(entry, "at") != "-" ? cell(entry, "at") : cell(entry, "time"));
  std::string msg = cell(entry, "message") != "-" ? cell(entry, "message") : entry.dump();
  return at == "-" ? msg : at + "  " + msg;
}

// "id 5" or "order_id 3, line 2": the `key` object of a conflict or a quarantined change.
std::string key_text(const json& item) {
  std::string key;
  if (item.contains("key") && item["key"].is_object())
    for (const auto& [k, v] : item["key"].items())
      key += (key.empty() ? "" : ", ") + k + " " + (v.is_string() ? v.get<std::string>() : v.dump());
  return key;
}

// The first line of a PostgreSQL error, without its "ERROR:  " tag.
std::string error_line(const std::string& error) {
  std::string line = error.substr(0, error.find('\n'));
  if (line.rfind("ERROR:  ", 0) == 0) line = line.substr(8);
  return line;
}

}  // namespace

NodeNames node_names(const json& peers) {
  NodeNames names;
  for (const auto& n : list_of(peers, "nodes"))
    if (n.is_object()) names[cell(n, "id")] = cell(n, "name");
  return names;
}

std::string direction_text(const std::string& source, const std::string& target,
                           const NodeNames& names) {
  return node_label(source, names) + " → " + node_label(target, names);
}

std::vector<json> live_sessions(const json& sessions) {
  std::vector<json> out;
  for (const auto& s : list_of(sessions, "sessions")) {
    std::string state = cell(s, "state");
    if (state == "queued" || state == "running") out.push_back(s);
  }
  return out;
}

std::string held_up_line(const json& session) {
  const std::string why = cell(session, "blockedBy");
  return why == "-" ? "" : "    held up: " + why + "\n";
}

std::string render_history(const json& sessions, const NodeNames& names) {
  const json& list = list_of(sessions, "sessions");
  if (list.empty()) return "No full syncs yet.\n";
  std::vector<std::vector<std::string>> rows = {{"ID", "DIRECTION", "STATE", "STARTED", "BYTES", "ROWS"}};
  for (const auto& s : list) {
    std::string state = cell(s, "state");
    if (cell(s, "stalled") == "yes") state += " (stalled)";
    rows.push_back({cell(s, "id"), session_direction(s, names), state, short_time(cell(s, "startedAt")),
                    human_bytes(num(s, "bytes")), cell(s, "rows")});
  }
  // A failed session's error goes on its own line under the row, outside the columns
  // (a long message would otherwise widen them all).
  std::string table = render_table(rows), out;
  std::size_t pos = table.find('\n') + 1;
  out = table.substr(0, pos);
  for (const auto& s : list) {
    std::size_t end = table.find('\n', pos) + 1;
    out += table.substr(pos, end - pos);
    if (cell(s, "error") != "-") out += "    error: " + cell(s, "error") + "\n";
    out += held_up_line(s);
    pos = end;
  }
  return out;
}

std::string render_session(const json& d, const NodeNames& names) {
  std::string out;
  auto field = [&](const std::string& label, const std::string& value) {
    if (value != "-") out += pad(label + ":", 11) + value + "\n";
  };
  field("Session", cell(d, "id"));
  field("Direction", session_direction(d, names) + " (" + cell(d, "direction") + ")");
  std::string state = cell(d, "state");
  if (d.contains("progress") && d["progress"].is_object())
    state += " — " + render_plain(read_progress(d["progress"]));
  field("State", state);
  field("Started", short_time(cell(d, "startedAt")));
  field("Finished", short_time(cell(d, "finishedAt")));
  field("Bytes", human_bytes(num(d, "bytes")));
  field("Rows", cell(d, "rows"));
  if (d.contains("options") && d["options"].is_object()) {
    const json& o = d["options"];
    field("Options", "mode " + cell(o, "mode") + ", compression " + cell(o, "compressionEnabled") +
                         ", verify " + cell(o, "verifyAfterSync") + ", transport " + cell(o, "method"));
  }
  field("Attempt", cell(d, "attempt"));
  field("Cancelled", cell(d, "cancelReason"));
  field("Error", cell(d, "error"));

  const json& phases = list_of(d, "phases");
  if (!phases.empty()) {
    std::vector<std::vector<std::string>> rows = {{"PHASE", "BYTES", "ROWS", "STARTED", "FINISHED"}};
    for (const auto& p : phases)
      rows.push_back({cell(p, "phase"), human_bytes(num(p, "bytesDone")) + " / " + human_bytes(num(p, "bytesTotal")),
                      cell(p, "rowsDone") + " / " + cell(p, "rowsTotal"), short_time(cell(p, "startedAt")),
                      short_time(cell(p, "finishedAt"))});
    out += "\n" + render_table(rows);
  }
  const json& log = list_of(d, "log");
  out += "\nLog:\n";
  if (log.empty()) out += "  (this node keeps no log lines for the session)\n";
  for (const auto& entry : log) out += "  " + log_line(entry) + "\n";
  return out;
}

std::string render_peers(const json& peers) {
  const json& list = list_of(peers, "nodes");
  if (list.empty()) return "This node knows no peers.\n";
  std::vector<std::vector<std::string>> rows = {{"ID", "NAME", "ROLE", "REACHABLE", "DETAIL"}};
  for (const auto& n : list) {
    bool local = cell(n, "local") == "yes";
    rows.push_back({cell(n, "id"), cell(n, "name"), local ? "this node" : "peer",
                    local ? "-" : cell(n, "reachable"), cell(n, "detail")});
  }
  return render_table(rows);
}

std::string render_conflicts(const json& conflicts, const NodeNames& names, const std::string& indent) {
  const json& list = list_of(conflicts, "conflicts");
  if (list.empty()) return indent + "No conflicts recorded.\n";
  std::string out;
  for (const auto& c : list) {
    const bool remote_won = cell(c, "winner") == "remote";
    const json& kept = c.contains(remote_won ? "remote" : "local") ? c[remote_won ? "remote" : "local"] : json::object();
    const std::string key = key_text(c);
    const std::string policy = cell(c, "policy");
    const std::string rule = policy == "last_writer_wins" ? "the later change wins"
                             : policy.rfind("prefer_node:", 0) == 0 ? node_label(policy.substr(12), names) + " is preferred"
                                                                      : policy;
    const bool deletion = !kept.contains("row") || kept["row"].is_null();
    out += indent + short_time(cell(c, "resolvedAt")) + "  " + cell(c, "table") + " (" + key + "): kept " +
           node_label(cell(kept, "origin"), names) + "'s " + (deletion ? "deletion" : "version") + " (" + rule + ")\n";
  }
  return out;
}

std::string render_periodic(const json& periodic, const NodeNames& names) {
  const json& list = list_of(periodic, "peers");
  if (list.empty()) return "No periodic sync with any peer.\n";
  std::vector<std::vector<std::string>> rows = {
      {"PEER", "STATE", "LAST ROUND", "LAG", "PENDING", "APPLIED", "CONFLICTS"}};
  for (const auto& p : list) {
    std::string lag = p.contains("lagSeconds") && p["lagSeconds"].is_number()
                          ? human_duration(num(p, "lagSeconds")) : "-";
    std::string peer = cell(p, "name") != "-" ? cell(p, "name") : node_label(cell(p, "peer"), names);
    rows.push_back({peer, cell(p, "state"), short_time(cell(p, "lastRoundAt")), lag, cell(p, "pending"),
                    cell(p, "applied"), cell(p, "conflicts")});
  }
  std::string out = render_table(rows);
  for (const auto& p : list) {
    if (cell(p, "lastError") != "-") out += "    " + cell(p, "peer") + ": " + cell(p, "lastError") + "\n";
    if (cell(p, "blockedBy") != "-") out += "    " + cell(p, "peer") + " held up: " + cell(p, "blockedBy") + "\n";
  }
  return out;
}

std::string render_quarantine(const json& answer, const NodeNames& names, const std::string& indent) {
  const json& list = list_of(answer, "changes");
  if (list.empty()) return indent + "No changes quarantined.\n";
  std::string out;
  for (const auto& c : list) {
    out += indent + "#" + cell(c, "id") + "  " + short_time(cell(c, "quarantinedAt")) + "  " + cell(c, "table") +
           " (" + key_text(c) + "): " + cell(c, "op") + " from " + node_label(cell(c, "peer"), names);
    if (c.value("retries", 0) > 0) out += ", retried " + cell(c, "retries") + " times";
    out += "\n" + indent + "    " + error_line(c.value("error", std::string("-"))) + "\n";
  }
  const auto total = answer.is_object() ? answer.value("total", std::uint64_t{0}) : 0;
  if (total > list.size())
    out += indent + "The oldest " + std::to_string(list.size()) + " of " + std::to_string(total) + " are shown.\n";
  return out;
}

}  // namespace tandem::cli
