// Helpers shared by the statemachine unit tests: drive a session through events and
// look at effects by kind.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "statemachine/transition.hpp"

namespace tandem {
// Readable gtest output for effect kinds (instead of raw bytes).
inline void PrintTo(EffectKind k, std::ostream* os) { *os << to_string(k); }
}  // namespace tandem

namespace tandem::test {

inline Session new_pull(SessionOptions options = {}, TimeMs now = 1000) {
  return make_session("fs-test", Direction::pull, "b", "a", "a", options, now);
}

// Applies an event that must be accepted; fails the test (and returns the input) if not.
inline Transition step(const Session& s, const Event& e, TimeMs now, const Policy& policy = {}) {
  auto r = transition(s, e, now, policy);
  EXPECT_TRUE(r.ok()) << describe(e) << " refused: " << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return Transition{s, {}};
  return std::move(r).value();
}

inline std::vector<EffectKind> kinds(const std::vector<Effect>& effects) {
  std::vector<EffectKind> out;
  for (const auto& e : effects) out.push_back(effect_kind(e));
  return out;
}

inline std::string describe_all(const std::vector<Effect>& effects) {
  std::string out;
  for (const auto& e : effects) out += (out.empty() ? "" : ", ") + describe(e);
  return "[" + out + "]";
}

// Drives a new session until `phase` is running (every earlier phase started and done),
// advancing time by 1000 ms per event starting after `now`.
inline Session running_in(Phase phase, SessionOptions options = {}, TimeMs now = 1000) {
  Session s = new_pull(options, now);
  s = step(s, PhaseStarted{Phase::backup}, now += 1000).next;
  while (s.phase != phase && s.state == State::running) {
    s = step(s, PhaseDone{s.phase}, now += 1000).next;
    s = step(s, PhaseStarted{s.phase}, now += 1000).next;
  }
  EXPECT_EQ(s.phase, phase);
  return s;
}

}  // namespace tandem::test
