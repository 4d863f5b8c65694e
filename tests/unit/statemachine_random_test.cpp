// Randomized: thousands of seeded random event sequences; after every event the
// invariants of the state machine must hold. Deterministic: a failure prints the seed
// and the events that led to it, and re-running gives the same sequence.
#include <random>
#include <sstream>

#include "statemachine/progress.hpp"
#include "statemachine_test_support.hpp"

namespace tandem {
namespace {

constexpr std::uint64_t kBaseSeed = 20261125;
constexpr int kSequences = 6000;
constexpr int kMaxEvents = 80;

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  // Mostly events about the current phase and near the recorded counters (so sessions
  // get far), sometimes stale or out-of-order ones (so the guards get exercised).
  Event next(const Session& s) {
    const Phase p = chance(85) ? s.phase : static_cast<Phase>(pick(0, kPhaseCount - 1));
    const auto& cur = s.progress(p);
    const auto near = [&](std::uint64_t v) {
      return static_cast<std::uint64_t>(std::max<std::int64_t>(0, static_cast<std::int64_t>(v) + pick(-50, 200)));
    };
    // What the owning actor would most likely send next, half of the time.
    if (chance(50)) {
      if (s.state == State::queued) return PhaseStarted{s.phase};
      if (s.state == State::waiting_peer) return PeerBack{};
      if (s.state == State::cancelling) return Cancelled{};
    }
    const int roll = pick(1, 100);
    if (roll <= 12) return PhaseStarted{p};
    if (roll <= 37) return Progress{p, near(cur.bytes_done), near(cur.bytes_total) * pick(0, 1),
                                    near(cur.rows_done), near(cur.rows_total) * pick(0, 1)};
    if (roll <= 50)
      return CheckpointReached{p, static_cast<std::uint64_t>(std::max<std::int64_t>(
                                      0, static_cast<std::int64_t>(cur.checkpoint) + pick(-2, 3))),
                               "n"};
    if (roll <= 75) return PhaseDone{p};
    if (roll <= 77) return CancelRequested{"random"};
    if (roll <= 81) return Cancelled{};
    if (roll <= 85) return Failed{"boom", chance(80)};
    if (roll <= 90) return PeerLost{"link"};
    if (roll <= 94) return PeerBack{};
    if (roll <= 97) return StillWorking{p};
    return ResumedAfterRestart{};
  }

 private:
  std::mt19937_64 rng_;
};

// The one exception to "counters never go back": a resumed backup loses its snapshot.
bool backup_restarted(const Session& before, const Event& e) {
  return std::holds_alternative<ResumedAfterRestart>(e) && before.phase == Phase::backup &&
         before.state != State::queued;
}

bool has(const std::vector<Effect>& fx, EffectKind k) {
  for (const auto& e : fx)
    if (effect_kind(e) == k) return true;
  return false;
}

// Returns what is wrong with this step, or "" when every invariant holds.
std::string check(const Session& before, const Event& e, TimeMs now,
                  const Result<Transition>& r, const Policy& policy) {
  if (is_terminal(before.state) && r.ok()) return "terminal state accepted an event";
  if (!r.ok()) return r.error().code == "invalid_transition" ? "" : "wrong error code";
  const Session& next = r->next;
  if (next.updated_at != now) return "updated_at not set to now";
  if (next.attempt < before.attempt) return "attempt went down";
  if (static_cast<int>(next.phase) < static_cast<int>(before.phase)) return "phase went back";
  if (next.peer_retries > policy.max_peer_retries) return "peer_retries above the maximum";
  if (next.id != before.id || next.created_at != before.created_at) return "identity changed";
  for (int i = 0; i < kPhaseCount; ++i) {
    const PhaseProgress &a = before.phases[i], &b = next.phases[i];
    if (i == 0 && backup_restarted(before, e)) {
      if (b != PhaseProgress{}) return "resumed backup kept its snapshot progress";
      continue;
    }
    if (b.bytes_done < a.bytes_done || b.rows_done < a.rows_done) return "counter went down";
    if (b.checkpoint < a.checkpoint) return "checkpoint went down";
    if (a.finished_at != 0 && b.finished_at != a.finished_at) return "finished phase reopened";
    if (b.bytes_total < b.bytes_done || b.rows_total < b.rows_done) return "total below done";
  }
  const bool ended = is_terminal(next.state);
  if (ended != (next.finished_at != 0)) return "finished_at does not match terminal state";
  if (ended && next.finished_at != now) return "finished_at not now";
  if (ended != has(r->effects, EffectKind::release_lock)) return "lock release mismatch";
  if (ended && !has(r->effects, EffectKind::notify)) return "ended without notify";
  if (next.state == State::succeeded)
    for (int i = 0; i < kPhaseCount; ++i)
      if (phase_enabled(static_cast<Phase>(i), next.options) && next.phases[i].finished_at == 0)
        return "succeeded with an unfinished phase";
  if (next.state == State::failed && next.last_error.empty()) return "failed without a reason";
  const double pct = session_percent(next);
  if (pct < 0 || pct > 100 || ((pct == 100) != (next.state == State::succeeded)))
    return "percent out of range";
  for (const auto& fx : r->effects)
    if (const auto* sp = std::get_if<StartPhase>(&fx))
      if (sp->phase != next.phase || sp->attempt != next.attempt) return "stale StartPhase";
  return "";
}

TEST(StatemachineRandom, InvariantsHoldOverRandomSequences) {
  int outcomes[7] = {};
  long accepted = 0;
  long refused = 0;
  for (int i = 0; i < kSequences; ++i) {
    const std::uint64_t seed = kBaseSeed + i;
    Generator gen(seed);
    SessionOptions options;
    options.verify = gen.chance(70);
    Policy policy;
    policy.max_peer_retries = static_cast<std::uint32_t>(gen.pick(0, 6));
    TimeMs now = 1'000'000;
    Session s = test::new_pull(options, now);
    std::ostringstream trail;
    const int length = gen.pick(1, kMaxEvents);
    int after_end = 0;  // a few events past a terminal state show it absorbs them
    for (int n = 0; n < length && after_end < 3; ++n) {
      after_end += is_terminal(s.state);
      const Event e = gen.next(s);
      now += gen.pick(0, 3000);
      const auto r = transition(s, e, now, policy);
      trail << "  " << to_string(s.state) << "/" << to_string(s.phase) << " + " << describe(e)
            << (r.ok() ? " -> " + std::string(to_string(r->next.state)) : " refused") << "\n";
      const std::string problem = check(s, e, now, r, policy);
      if (!problem.empty()) {
        FAIL() << "seed " << seed << ": " << problem << " after\n" << trail.str();
      }
      if (r.ok()) {
        s = r->next;
        ++accepted;
      } else {
        ++refused;
      }
    }
    ++outcomes[static_cast<int>(s.state)];
  }
  // The generator must actually reach every end, or the invariants were tested on little.
  EXPECT_GT(outcomes[static_cast<int>(State::succeeded)], 100);
  EXPECT_GT(outcomes[static_cast<int>(State::failed)], 100);
  EXPECT_GT(outcomes[static_cast<int>(State::cancelled)], 100);
  EXPECT_GT(accepted, 50'000);
  EXPECT_GT(refused, 10'000);
  std::printf("random: %d sequences, %ld accepted, %ld refused; ended succeeded %d, failed %d, "
              "cancelled %d, still live %d\n",
              kSequences, accepted, refused, outcomes[static_cast<int>(State::succeeded)],
              outcomes[static_cast<int>(State::failed)], outcomes[static_cast<int>(State::cancelled)],
              kSequences - outcomes[4] - outcomes[5] - outcomes[6]);
}

// The machine is a function: the same seed gives the same final session.
TEST(StatemachineRandom, SameSeedSameSession) {
  const auto run = [](std::uint64_t seed) {
    Generator gen(seed);
    Session s = test::new_pull();
    TimeMs now = 1000;
    for (int n = 0; n < 200; ++n) {
      const auto r = transition(s, gen.next(s), now += gen.pick(0, 3000));
      if (r.ok()) s = r->next;
    }
    return s;
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) EXPECT_EQ(run(seed), run(seed)) << seed;
}

}  // namespace
}  // namespace tandem
