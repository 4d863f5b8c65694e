// Child process of journal_crash_test: commits transitions to one session in a loop
// and writes the seq of each commit to stdout *after* commit() returned, one line per
// commit, unbuffered. The parent SIGKILLs it at a random moment, so every line it read
// is a commit the journal acknowledged. Run again on the same file, it continues from
// what the journal holds.
//
// Usage: journal_crash_child <journal file>
// Exit codes (only seen if nobody kills it): 2 open failed, 3 commit failed,
// 4 seq out of step with the session's checkpoint.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "persistence/journal_sqlite.hpp"

using namespace tandem;

namespace {

Session first_session() {
  Session s;
  s.id = "fs-crash";
  s.source = "a";
  s.target = "b";
  s.initiator = "b";
  s.state = State::running;
  s.phase = Phase::transfer;
  return s;
}

// write(2) of a line shorter than PIPE_BUF is atomic: the parent never sees half a seq.
void acknowledge(std::uint64_t seq) {
  std::string line = std::to_string(seq) + "\n";
  if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <journal file>\n", argv[0]);
    return 2;
  }
  auto journal = SqliteJournal::open(argv[1]);
  if (!journal) {
    std::fprintf(stderr, "%s\n", journal.error().describe().c_str());
    return 2;
  }
  auto stored = (*journal)->get("fs-crash");
  if (!stored) {
    std::fprintf(stderr, "%s\n", stored.error().describe().c_str());
    return 2;
  }
  Session s = stored->has_value() ? **stored : first_session();
  // The transfer checkpoint always equals the seq of the commit that wrote it, so the
  // parent can check that session row and transition log moved together.
  std::uint64_t last = stored->has_value() ? s.progress(Phase::transfer).checkpoint : 0;
  for (;;) {
    Session next = s;
    next.progress(Phase::transfer).checkpoint = last + 1;
    next.updated_at = static_cast<TimeMs>(last + 1);
    TransitionRecord rec;
    rec.at = next.updated_at;
    rec.from_state = s.state;
    rec.to_state = next.state;
    rec.phase = next.phase;
    rec.event = "checkpoint(transfer)";
    rec.detail = "chunk " + std::to_string(last + 1);
    auto seq = (*journal)->commit(next, rec);
    if (!seq) {
      std::fprintf(stderr, "%s\n", seq.error().describe().c_str());
      return 3;
    }
    if (*seq != last + 1) return 4;
    acknowledge(*seq);
    s = next;
    last = *seq;
  }
}
