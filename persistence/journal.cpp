#include "persistence/journal.hpp"

namespace tandem {

Result<TransitionRecord> normalise_record(const Session& next, const TransitionRecord& rec) {
  if (next.id.empty())
    return make_error("invalid_argument", "a session without an id cannot be journaled",
                      "session.id");
  TransitionRecord out = rec;
  if (out.session_id.empty()) out.session_id = next.id;
  if (out.session_id != next.id)
    return make_error("invalid_argument",
                      "transition record is for session " + out.session_id +
                          " but the committed session is " + next.id,
                      "transition.session_id");
  if (out.to_state != next.state)
    return make_error("invalid_argument",
                      std::string("transition record ends in state ") +
                          to_string(out.to_state) + " but the committed session is " +
                          to_string(next.state),
                      "transition.to_state");
  out.seq = 0;  // assigned inside the commit
  return out;
}

const char* log_level_spelling(log::Level level) {
  switch (level) {
    case log::Level::debug: return "debug";
    case log::Level::info: return "info";
    case log::Level::warn: return "warn";
    case log::Level::error: return "error";
  }
  return "info";
}

}  // namespace tandem
