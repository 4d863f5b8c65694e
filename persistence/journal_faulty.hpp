// FaultyJournal: wraps another journal and fails chosen commits, to test that callers
// throw the new state away when a commit fails ("journal, then memory, then messages").
// A failed commit is not forwarded, so the wrapped journal is unchanged, exactly as
// after a real failed transaction. Everything else is forwarded as is.
#pragma once

#include <cstdint>

#include "persistence/journal.hpp"

namespace tandem {

class FaultyJournal final : public Journal {
 public:
  // Fails the `fail_at`-th commit (1-based) with Error "injected_fault"; with
  // `keep_failing`, also every commit after it (a disk that stays full).
  FaultyJournal(Journal& inner, std::uint64_t fail_at, bool keep_failing = false)
      : inner_(inner), fail_at_(fail_at), keep_failing_(keep_failing) {}

  std::uint64_t commits_attempted() const { return attempts_; }

  Result<std::uint64_t> commit(const Session& next, const TransitionRecord& rec) override;
  Status append_log(const LogLine& line) override { return inner_.append_log(line); }
  Result<std::optional<Session>> get(const std::string& id) const override { return inner_.get(id); }
  Result<std::vector<Session>> recent(std::size_t limit) const override {
    return inner_.recent(limit);
  }
  Result<std::vector<Session>> by_peer(const std::string& node_id,
                                       std::size_t limit) const override {
    return inner_.by_peer(node_id, limit);
  }
  Result<std::vector<TransitionRecord>> transitions(const std::string& id) const override {
    return inner_.transitions(id);
  }
  Result<std::vector<LogLine>> log_lines(const std::string& id, std::size_t limit) const override {
    return inner_.log_lines(id, limit);
  }
  Result<Recovery> recover() const override { return inner_.recover(); }

 private:
  Journal& inner_;
  std::uint64_t fail_at_;
  bool keep_failing_;
  std::uint64_t attempts_ = 0;
};

}  // namespace tandem
