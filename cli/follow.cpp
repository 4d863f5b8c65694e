// Following a full sync: poll backup-progress every 300 ms until the session ends,
// drawing a live bar on a terminal, plain lines in a pipe, or JSON lines with --json.
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/progress_bar.hpp"
#include "cli/terminal.hpp"
#include "cli/text.hpp"

namespace tandem::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kPollEvery = std::chrono::milliseconds(300);
// Off a terminal, one line per change of phase or state, and otherwise at most one a
// second, so a log stays readable.
constexpr auto kLineEvery = std::chrono::seconds(1);
// How long the node may stay unreachable before we stop following (the sync itself
// goes on; the node resumes it).
constexpr auto kGiveUpAfter = std::chrono::seconds(15);

volatile std::sig_atomic_t g_interrupted = 0;
void on_interrupt(int) { g_interrupted = 1; }

// Writes progress in the chosen form and decides when a line is due.
class ProgressOutput {
 public:
  explicit ProgressOutput(Context& ctx) : ctx_(ctx) {}

  void update(const json& answer) {
    ProgressFigures p = read_progress(answer);
    // Held up by another transaction's lock: said once per stall, on a line of its own
    // (the bar has no room for it, and it names what to end).
    const bool held_up = p.stalled && !p.blocked_by.empty();
    if (held_up && !held_up_said_ && !ctx_.inv.json) {
      if (drawn_) ctx_.out << "\n";
      drawn_ = false;
      ctx_.out << "held up: " << p.blocked_by << "\n";
    }
    held_up_said_ = held_up;
    if (ctx_.terminal && !ctx_.inv.json) {
      ctx_.out << "\r" << render_bar(p, terminal_width()) << "\x1b[K";
      ctx_.out.flush();
      drawn_ = true;
      return;
    }
    std::string line = render_plain(p);
    bool changed_step = p.phase != last_.phase || p.state != last_.state;
    bool due = changed_step || Clock::now() - printed_at_ >= kLineEvery;
    if (printed_ && (line == last_line_ || !due)) return;
    ctx_.out << (ctx_.inv.json ? answer.dump() : line) << "\n";
    ctx_.out.flush();
    printed_ = true;
    last_ = p;
    last_line_ = line;
    printed_at_ = Clock::now();
  }

  // Ends the bar's line so what follows starts on a fresh one.
  void close() {
    if (drawn_) ctx_.out << "\n";
    ctx_.out.flush();
    drawn_ = false;
  }

 private:
  Context& ctx_;
  bool printed_ = false, drawn_ = false, held_up_said_ = false;
  ProgressFigures last_;
  std::string last_line_;
  Clock::time_point printed_at_{};
};

int summary(Context& ctx, const std::string& id, const ProgressFigures& p, Clock::duration took) {
  double secs = std::chrono::duration<double>(took).count();
  if (p.state == "succeeded") {
    if (!ctx.inv.json) ctx.out << "Full sync " << id << " succeeded in " << human_duration(secs) << ".\n";
    return kExitOk;
  }
  std::string why = p.error.empty() ? "" : ": " + p.error;
  return report(ctx, "full sync " + id + (p.state == "cancelled" ? " was cancelled" : " failed") + why,
                kExitSyncFailed);
}

}  // namespace

int follow_session(Context& ctx, const std::string& id) {
  ProgressOutput output(ctx);
  const auto started = Clock::now();
  auto last_answer = Clock::now();
  g_interrupted = 0;
  auto previous = std::signal(SIGINT, on_interrupt);
  int rc = -1;
  bool seen = false;
  while (rc < 0) {
    if (g_interrupted) {
      output.close();
      rc = report(ctx, "stopped following " + id + "; the full sync goes on (tandemctl status, tandemctl cancel " + id + ")", 130);
      break;
    }
    auto a = ctx.api.get("/api/sync/backup-progress?sessionId=" + url_encode(id));
    if (!a.ok()) {
      if (Clock::now() - last_answer < kGiveUpAfter) {
        std::this_thread::sleep_for(kPollEvery);
        continue;
      }
      output.close();
      rc = report(ctx, a.error().message + "; the full sync may still be running there (tandemctl status)");
      break;
    }
    // A push is answered 202 before the session is readable on this node (the source
    // side registers it once the target took the job): "unknown" is not final until
    // the session has been seen or the grace time is over.
    if (a->status == 404 && !seen && Clock::now() - started < kGiveUpAfter) {
      std::this_thread::sleep_for(kPollEvery);
      continue;
    }
    last_answer = Clock::now();
    if (!a->ok()) {
      output.close();
      rc = report(ctx, refusal(*a, "following " + id));
      break;
    }
    seen = true;
    output.update(a->body);
    ProgressFigures p = read_progress(a->body);
    if (is_finished(p)) {
      output.close();
      rc = summary(ctx, id, p, Clock::now() - started);
      break;
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  std::signal(SIGINT, previous);
  return rc;
}

}  // namespace tandem::cli
