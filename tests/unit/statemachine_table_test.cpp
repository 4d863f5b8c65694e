// Table-driven: every state × every event (both kinds of failure), with the expected
// next state, phase and effects written out by hand, independent of transition.cpp's
// own table.
#include <set>
#include <utility>

#include "statemachine_test_support.hpp"

namespace tandem {
namespace {

// One sample event of each kind; `failed` twice (fatal and retryable).
enum class Sample {
  phase_started, progress, checkpoint, phase_done, cancel_requested, cancelled,
  failed_fatal, failed_retryable, peer_lost, peer_back, resumed, still_working,
};
constexpr int kSampleCount = 12;

const char* name(Sample s) {
  static const char* const kNames[] = {
      "phase_started", "progress",         "checkpoint", "phase_done", "cancel_requested",
      "cancelled",     "failed_fatal",     "failed_retryable",
      "peer_lost",     "peer_back",        "resumed",    "still_working"};
  return kNames[static_cast<int>(s)];
}

// Work events name the session's current phase, so the table tests the state, not the
// "wrong phase" guard (tested separately in statemachine_flow_test.cpp).
Event make_event(Sample s, Phase current) {
  switch (s) {
    case Sample::phase_started: return PhaseStarted{current};
    case Sample::progress: return Progress{current, 600, 1000, 60, 100};
    case Sample::checkpoint: return CheckpointReached{current, 5, "chunk 5"};
    case Sample::phase_done: return PhaseDone{current};
    case Sample::cancel_requested: return CancelRequested{"admin via UI"};
    case Sample::cancelled: return Cancelled{};
    case Sample::failed_fatal: return Failed{"disk full", false};
    case Sample::failed_retryable: return Failed{"timeout", true};
    case Sample::peer_lost: return PeerLost{"connection reset"};
    case Sample::peer_back: return PeerBack{};
    case Sample::resumed: return ResumedAfterRestart{};
    case Sample::still_working: return StillWorking{current};
  }
  return Cancelled{};
}

// A session in `state`: queued ones are fresh (phase backup); every other one is in the
// transfer phase with some progress, a checkpoint and one retry used.
Session sample_session(State state) {
  Session s = test::new_pull({}, 1000);
  if (state == State::queued) return s;
  s.state = state;
  s.phase = Phase::transfer;
  s.progress(Phase::backup) = PhaseProgress{500, 500, 50, 50, 1, "manifest", 2000, 3000};
  s.progress(Phase::transfer) = PhaseProgress{300, 1000, 30, 100, 3, "chunk 3", 3000, 0};
  s.updated_at = s.last_progress_at = 4000;
  s.attempt = 2;
  s.peer_retries = 1;
  if (is_terminal(state)) s.finished_at = 4000;
  return s;
}

using K = EffectKind;
const std::vector<K> kNone{};
const std::vector<K> kEnd{K::cleanup_spool, K::notify, K::release_lock};
const std::vector<K> kStopAndEnd{K::stop_work, K::cleanup_spool, K::notify, K::release_lock};

struct Row {
  State from;
  Sample event;
  bool ok;
  State to = State::queued;
  Phase phase = Phase::backup;
  std::vector<K> effects = {};
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << to_string(row.from) << " + " << name(row.event);
}

Row refused(State from, Sample e) { return Row{from, e, false}; }

std::vector<Row> expected_table() {
  using S = State;
  using E = Sample;
  const Phase kT = Phase::transfer;
  std::vector<Row> rows = {
      {S::queued, E::phase_started, true, S::running, Phase::backup, kNone},
      refused(S::queued, E::progress),
      refused(S::queued, E::checkpoint),
      refused(S::queued, E::phase_done),
      {S::queued, E::cancel_requested, true, S::cancelled, Phase::backup, kEnd},
      refused(S::queued, E::cancelled),
      {S::queued, E::failed_fatal, true, S::failed, Phase::backup, kEnd},
      {S::queued, E::failed_retryable, true, S::waiting_peer, Phase::backup, {K::schedule_retry}},
      {S::queued, E::peer_lost, true, S::waiting_peer, Phase::backup, {K::schedule_retry}},
      refused(S::queued, E::peer_back),
      {S::queued, E::resumed, true, S::queued, Phase::backup, {K::start_phase}},
      refused(S::queued, E::still_working),

      {S::running, E::phase_started, true, S::running, kT, kNone},
      {S::running, E::progress, true, S::running, kT, kNone},
      {S::running, E::checkpoint, true, S::running, kT, kNone},
      {S::running, E::phase_done, true, S::running, Phase::convert, {K::start_phase}},
      {S::running, E::cancel_requested, true, S::cancelling, kT, {K::stop_work}},
      refused(S::running, E::cancelled),
      {S::running, E::failed_fatal, true, S::failed, kT, kStopAndEnd},
      {S::running, E::failed_retryable, true, S::waiting_peer, kT,
       {K::stop_work, K::schedule_retry}},
      {S::running, E::peer_lost, true, S::waiting_peer, kT, {K::stop_work, K::schedule_retry}},
      refused(S::running, E::peer_back),
      {S::running, E::resumed, true, S::running, kT, {K::start_phase}},
      {S::running, E::still_working, true, S::running, kT, kNone},

      refused(S::waiting_peer, E::phase_started),
      refused(S::waiting_peer, E::progress),
      refused(S::waiting_peer, E::checkpoint),
      refused(S::waiting_peer, E::phase_done),
      {S::waiting_peer, E::cancel_requested, true, S::cancelling, kT, {K::stop_work}},
      refused(S::waiting_peer, E::cancelled),
      {S::waiting_peer, E::failed_fatal, true, S::failed, kT, kStopAndEnd},
      {S::waiting_peer, E::failed_retryable, true, S::waiting_peer, kT, {K::schedule_retry}},
      {S::waiting_peer, E::peer_lost, true, S::waiting_peer, kT, {K::schedule_retry}},
      {S::waiting_peer, E::peer_back, true, S::running, kT, {K::start_phase}},
      {S::waiting_peer, E::resumed, true, S::waiting_peer, kT, {K::schedule_retry}},
      refused(S::waiting_peer, E::still_working),

      refused(S::cancelling, E::phase_started),
      refused(S::cancelling, E::progress),
      refused(S::cancelling, E::checkpoint),
      refused(S::cancelling, E::phase_done),
      refused(S::cancelling, E::cancel_requested),
      {S::cancelling, E::cancelled, true, S::cancelled, kT, kEnd},
      {S::cancelling, E::failed_fatal, true, S::failed, kT, kEnd},
      {S::cancelling, E::failed_retryable, true, S::failed, kT, kEnd},
      refused(S::cancelling, E::peer_lost),
      refused(S::cancelling, E::peer_back),
      {S::cancelling, E::resumed, true, S::cancelling, kT, {K::stop_work}},
      refused(S::cancelling, E::still_working),
  };
  // Terminal states absorb nothing.
  for (State t : {S::succeeded, S::failed, S::cancelled})
    for (int e = 0; e < kSampleCount; ++e) rows.push_back(refused(t, static_cast<Sample>(e)));
  return rows;
}

class StatemachineTable : public ::testing::TestWithParam<Row> {};

TEST_P(StatemachineTable, Outcome) {
  const Row& row = GetParam();
  const Session before = sample_session(row.from);
  const Event event = make_event(row.event, before.phase);
  const TimeMs now = 9000;
  const auto r = transition(before, event, now);

  ASSERT_EQ(r.ok(), row.ok) << describe(event) << " in " << to_string(row.from)
                            << (r.ok() ? "" : ": " + r.error().message);
  if (!row.ok) {
    EXPECT_EQ(r.error().code, "invalid_transition");
    EXPECT_NE(r.error().message.find(to_string(row.from)), std::string::npos);
    EXPECT_NE(r.error().message.find(to_string(event_kind(event))), std::string::npos);
    return;
  }
  const Session& next = r->next;
  EXPECT_EQ(next.state, row.to);
  EXPECT_EQ(next.phase, row.phase);
  EXPECT_EQ(test::kinds(r->effects), row.effects) << test::describe_all(r->effects);
  EXPECT_EQ(next.updated_at, now);
  EXPECT_EQ(next.finished_at, is_terminal(row.to) ? now : 0);
  EXPECT_EQ(next.id, before.id);
  EXPECT_GE(next.attempt, before.attempt);
  for (const Effect& fx : r->effects) {
    if (const auto* n = std::get_if<Notify>(&fx)) {
      EXPECT_EQ(n->outcome, row.to);
    }
    if (const auto* sp = std::get_if<StartPhase>(&fx)) {
      EXPECT_EQ(sp->phase, next.phase);
      EXPECT_EQ(sp->attempt, next.attempt);
    }
  }
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  return std::string(to_string(info.param.from)) + "_" + name(info.param.event);
}

INSTANTIATE_TEST_SUITE_P(EveryStateAndEvent, StatemachineTable,
                         ::testing::ValuesIn(expected_table()), row_name);

TEST(StatemachineTableShape, CoversEveryStateAndEventOnce) {
  std::set<std::pair<State, Sample>> seen;
  for (const Row& row : expected_table())
    EXPECT_TRUE(seen.insert({row.from, row.event}).second)
        << to_string(row.from) << " × " << name(row.event) << " listed twice";
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(7 * kSampleCount));
}

// allows() is what a UI asks ("can I show Cancel?"); it must agree with the table.
TEST(StatemachineTableShape, AllowsAgreesWithTable) {
  for (const Row& row : expected_table()) {
    const EventKind kind = event_kind(make_event(row.event, Phase::transfer));
    EXPECT_EQ(allows(row.from, kind), row.ok) << to_string(row.from) << " " << name(row.event);
  }
}

}  // namespace
}  // namespace tandem
