// MemoryJournal: the journal kept in memory, for pure tests of its callers (actors,
// job manager). Same contract and the same refusals as SqliteJournal; nothing survives
// the object. Ownership: one thread at a time, like every Journal.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "persistence/journal.hpp"

namespace tandem {

class MemoryJournal final : public Journal {
 public:
  Result<std::uint64_t> commit(const Session& next, const TransitionRecord& rec) override;
  Status append_log(const LogLine& line) override;
  Result<std::optional<Session>> get(const std::string& id) const override;
  Result<std::vector<Session>> recent(std::size_t limit) const override;
  Result<std::vector<Session>> by_peer(const std::string& node_id,
                                       std::size_t limit) const override;
  Result<std::vector<TransitionRecord>> transitions(const std::string& id) const override;
  Result<std::vector<LogLine>> log_lines(const std::string& id, std::size_t limit) const override;
  Result<Recovery> recover() const override;

 private:
  // Sessions accepted by `keep`, newest first, at most `limit`.
  template <class Keep>
  std::vector<Session> newest(std::size_t limit, Keep keep) const;

  std::map<std::string, Session> sessions_;
  std::map<std::string, std::vector<TransitionRecord>> transitions_;
  std::map<std::string, std::vector<LogLine>> logs_;
};

}  // namespace tandem
