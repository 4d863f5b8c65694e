#include "persistence/journal_faulty.hpp"

namespace tandem {

Result<std::uint64_t> FaultyJournal::commit(const Session& next, const TransitionRecord& rec) {
  ++attempts_;
  bool fail = attempts_ == fail_at_ || (keep_failing_ && attempts_ > fail_at_);
  if (fail)
    return make_error("injected_fault", "injected failure of commit #" +
                                            std::to_string(attempts_) + " (session " + next.id +
                                            ")");
  return inner_.commit(next, rec);
}

}  // namespace tandem
