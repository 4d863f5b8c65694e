#include "persistence/journal_memory.hpp"

#include <algorithm>

namespace tandem {
namespace {

// History order shared by every query: created_at, then id.
bool older(const Session& a, const Session& b) {
  return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
}

}  // namespace

Result<std::uint64_t> MemoryJournal::commit(const Session& next, const TransitionRecord& rec_in) {
  auto rec = normalise_record(next, rec_in);
  if (!rec) return rec.error();
  auto it = sessions_.find(next.id);
  if (it != sessions_.end() && is_terminal(it->second.state))
    return make_error("session_terminal", "session " + next.id + " already ended (" +
                                              to_string(it->second.state) +
                                              "); it is not changed again");
  auto& log = transitions_[next.id];
  rec->seq = log.size() + 1;
  log.push_back(*rec);
  sessions_[next.id] = next;
  return rec->seq;
}

Status MemoryJournal::append_log(const LogLine& line) {
  if (sessions_.count(line.session_id) == 0)
    return make_error("unknown_session",
                      "cannot log for session " + line.session_id + ": the journal has no such session",
                      "session_id");
  logs_[line.session_id].push_back(line);
  return ok_status();
}

Result<std::optional<Session>> MemoryJournal::get(const std::string& id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::optional<Session>{};
  return std::optional<Session>(it->second);
}

template <class Keep>
std::vector<Session> MemoryJournal::newest(std::size_t limit, Keep keep) const {
  std::vector<Session> out;
  for (const auto& [id, s] : sessions_)
    if (keep(s)) out.push_back(s);
  std::sort(out.begin(), out.end(), [](const Session& a, const Session& b) { return older(b, a); });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<Session>> MemoryJournal::recent(std::size_t limit) const {
  return newest(limit, [](const Session&) { return true; });
}

Result<std::vector<Session>> MemoryJournal::by_peer(const std::string& node_id,
                                                    std::size_t limit) const {
  return newest(limit,
                [&](const Session& s) { return s.source == node_id || s.target == node_id; });
}

Result<std::vector<TransitionRecord>> MemoryJournal::transitions(const std::string& id) const {
  auto it = transitions_.find(id);
  if (it == transitions_.end()) return std::vector<TransitionRecord>{};
  return it->second;
}

Result<std::vector<LogLine>> MemoryJournal::log_lines(const std::string& id,
                                                      std::size_t limit) const {
  auto it = logs_.find(id);
  if (it == logs_.end()) return std::vector<LogLine>{};
  const auto& all = it->second;
  std::size_t first = all.size() > limit ? all.size() - limit : 0;
  return std::vector<LogLine>(all.begin() + static_cast<std::ptrdiff_t>(first), all.end());
}

Result<Recovery> MemoryJournal::recover() const {
  Recovery found;
  found.sessions = newest(sessions_.size(), [](const Session& s) { return !is_terminal(s.state); });
  std::reverse(found.sessions.begin(), found.sessions.end());  // oldest first
  return found;
}

}  // namespace tandem
