#include "statemachine/effect.hpp"

#include <array>

namespace tandem {
namespace {

constexpr std::array<const char*, kEffectKindCount> kKindNames{
    "start_phase",   "schedule_retry", "stop_work",   "rollback_restore",
    "cleanup_spool", "notify",         "release_lock"};

struct Detail {
  std::string operator()(const StartPhase& e) const {
    return std::string(to_string(e.phase)) + ", attempt " + std::to_string(e.attempt);
  }
  std::string operator()(const ScheduleRetry& e) const {
    return std::to_string(e.delay_ms) + " ms, retry " + std::to_string(e.retry);
  }
  std::string operator()(const Notify& e) const { return to_string(e.outcome); }
  template <class Fieldless>
  std::string operator()(const Fieldless&) const {
    return {};
  }
};

struct SameFields {
  bool operator()(const StartPhase& a, const StartPhase& b) const {
    return a.phase == b.phase && a.attempt == b.attempt;
  }
  bool operator()(const ScheduleRetry& a, const ScheduleRetry& b) const {
    return a.delay_ms == b.delay_ms && a.retry == b.retry;
  }
  bool operator()(const Notify& a, const Notify& b) const { return a.outcome == b.outcome; }
  template <class A, class B>
  bool operator()(const A&, const B&) const {
    return std::is_same_v<A, B>;  // fieldless effects: equal when the kind is
  }
};

}  // namespace

EffectKind effect_kind(const Effect& e) { return static_cast<EffectKind>(e.index()); }

const char* to_string(EffectKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < kKindNames.size() ? kKindNames[i] : "?";
}

std::string describe(const Effect& e) {
  std::string text = to_string(effect_kind(e));
  const std::string detail = std::visit(Detail{}, e);
  if (!detail.empty()) text += "(" + detail + ")";
  return text;
}

bool operator==(const Effect& a, const Effect& b) {
  return a.index() == b.index() && std::visit(SameFields{}, a, b);
}
bool operator!=(const Effect& a, const Effect& b) { return !(a == b); }

}  // namespace tandem
