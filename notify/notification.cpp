// Builds the notification of an ended session (see notification.hpp).
#include "notify/notification.hpp"

#include "base/iso_time.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>

namespace tandem {
namespace {

// When the work started: the first phase's start, or acceptance if no phase ever ran.
TimeMs started_at(const Session& s) {
  for (const auto& p : s.phases)
    if (p.started_at > 0) return p.started_at;
  return s.created_at;
}

// What went wrong, for a session that did not succeed: the failure's reason, or who
// cancelled it and why. A succeeded session may carry the text of a retry it recovered
// from; that is not news, so it gets none.
std::string error_of(const Session& s) {
  if (s.state == State::succeeded) return {};
  if (!s.last_error.empty()) return s.last_error;
  if (s.state == State::cancelled) return s.cancel_reason;
  return {};
}

std::string name_of(const NodeNames& names, const std::string& id) {
  auto it = names.find(id);
  return it == names.end() || it->second.empty() ? id : it->second;
}

// "Server A (a)", or just "a" when it has no other name.
std::string labelled(const NodeNames& names, const std::string& id) {
  std::string name = name_of(names, id);
  return name == id ? id : name + " (" + id + ")";
}

nlohmann::json time_or_null(TimeMs ms) {
  if (ms <= 0) return nullptr;
  return iso_utc(ms);
}

std::string text_of(const Session& s, const std::string& node_id, const std::string& error,
                    const NodeNames& names) {
  std::ostringstream out;
  out << "Full sync " << s.id << " " << to_string(s.state) << " (reported by node "
      << labelled(names, node_id) << ").\n\n";
  auto line = [&](const char* label, const std::string& value) {
    out << label << (value.empty() ? "-" : value) << "\n";
  };
  line("Direction: ", to_string(s.direction));
  line("Source:    ", labelled(names, s.source));
  line("Target:    ", labelled(names, s.target));
  line("State:     ", to_string(s.state));
  line("Phase:     ", to_string(s.phase));
  line("Started:   ", iso_utc(started_at(s)));
  line("Finished:  ", iso_utc(s.finished_at));
  line("Bytes:     ", std::to_string(s.progress(Phase::transfer).bytes_done));
  line("Rows:      ", std::to_string(s.progress(Phase::backup).rows_done));
  if (!error.empty()) line("Error:     ", error);
  return out.str();
}

}  // namespace

const char* notification_event(State outcome) {
  switch (outcome) {
    case State::succeeded: return "full_sync.succeeded";
    case State::failed: return "full_sync.failed";
    case State::cancelled: return "full_sync.cancelled";
    case State::queued:
    case State::running:
    case State::waiting_peer:
    case State::cancelling: return nullptr;
  }
  return nullptr;
}

std::string iso_utc(TimeMs ms) { return iso_utc_ms(ms); }

Result<Notification> make_notification(const Session& s, const std::string& node_id,
                                       const NodeNames& names) {
  const char* event = notification_event(s.state);
  if (!event)
    return make_error("not_terminal", "session " + s.id + " has not ended (state " +
                                          to_string(s.state) + "); nothing to notify");
  std::string error = error_of(s);
  Notification n;
  n.event = event;
  n.body = {{"event", n.event},
            {"sessionId", s.id},
            {"direction", to_string(s.direction)},
            {"source", s.source},
            {"target", s.target},
            {"sourceName", name_of(names, s.source)},
            {"targetName", name_of(names, s.target)},
            {"state", to_string(s.state)},
            {"phase", to_string(s.phase)},
            {"error", error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error)},
            {"startedAt", time_or_null(started_at(s))},
            {"finishedAt", time_or_null(s.finished_at)},
            {"bytes", s.progress(Phase::transfer).bytes_done},
            {"rows", s.progress(Phase::backup).rows_done},
            {"node", node_id}};
  // "Server A -> Server B", ASCII around the names, so that a subject with plain names
  // needs no MIME encoding.
  n.subject = "[tandem] Full sync " + std::string(to_string(s.state)) + ": " + name_of(names, s.source) +
              " -> " + name_of(names, s.target) + " (" + to_string(s.direction) + ", " + s.id + ")";
  n.text = text_of(s, node_id, error, names);
  return n;
}

}  // namespace tandem
