#include "statemachine/event.hpp"

#include <array>

namespace tandem {
namespace {

constexpr std::array<const char*, kEventKindCount> kKindNames{
    "phase_started", "progress",  "checkpoint_reached", "phase_done", "cancel_requested",
    "cancelled",     "failed",    "peer_lost",          "peer_back",  "resumed_after_restart",
    "still_working"};

// "name(detail)" or just "name" when there is no detail.
std::string call(EventKind k, const std::string& detail) {
  std::string text = to_string(k);
  if (!detail.empty()) text += "(" + detail + ")";
  return text;
}

struct Describe {
  std::string operator()(const PhaseStarted& e) const { return to_string(e.phase); }
  std::string operator()(const Progress& e) const {
    return std::string(to_string(e.phase)) + " " + std::to_string(e.bytes_done) + "/" +
           std::to_string(e.bytes_total) + " B, " + std::to_string(e.rows_done) + "/" +
           std::to_string(e.rows_total) + " rows";
  }
  std::string operator()(const CheckpointReached& e) const {
    std::string text = std::string(to_string(e.phase)) + " " + std::to_string(e.position);
    if (!e.note.empty()) text += " " + e.note;
    return text;
  }
  std::string operator()(const PhaseDone& e) const { return to_string(e.phase); }
  std::string operator()(const CancelRequested& e) const { return e.reason; }
  std::string operator()(const Cancelled&) const { return {}; }
  std::string operator()(const Failed& e) const {
    return e.retryable ? "retryable: " + e.reason : e.reason;
  }
  std::string operator()(const PeerLost& e) const { return e.reason; }
  std::string operator()(const PeerBack&) const { return {}; }
  std::string operator()(const ResumedAfterRestart&) const { return {}; }
  std::string operator()(const StillWorking& e) const { return to_string(e.phase); }
};

}  // namespace

EventKind event_kind(const Event& e) { return static_cast<EventKind>(e.index()); }

const char* to_string(EventKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kKindNames.size() ? kKindNames[i] : "?";
}

std::string describe(const Event& e) { return call(event_kind(e), std::visit(Describe{}, e)); }

}  // namespace tandem
