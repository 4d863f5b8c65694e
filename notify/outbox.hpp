// The outbox: notifications not yet delivered, kept in the node's state dir
// (`<state_dir>/outbox/`) so that "your sync failed" still reaches the admins when the
// daemon stops or crashes while a receiver is down. CAF-free; the notifier actor owns
// its Outbox and is its only user (one daemon per state dir: daemon/state_dir locks it).
//
// Files, one per (session, event, channel) — see OutboxEntry::key():
//   <key>.json       pending: written durably (tmp, fsync, rename, fsync dir) BEFORE the
//                    first try, rewritten after each failed try with the new try count
//   <key>.sent       delivered marker (tiny). Makes a repeated enqueue of a delivered
//                    notification a no-op: a job that ends its session again after a
//                    crash must not page the admins twice. Pruned after kSentMarkerAge.
//   <key>.json.bad   a pending file that could not be read, set aside for a human
//   *.tmp            a write cut short by a crash: removed on load (the rename never
//                    happened, so the entry it belonged to is whole or never existed)
//
// Delivery is at least once: a crash between a receiver's 2xx and mark_delivered()
// sends that notification again on the next start. Receivers that must not see a
// duplicate can key on sessionId + event.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "notify/outbox_entry.hpp"

namespace tandem {

// How long a sent marker keeps a repeat from going out. A session ends again only when
// its job is resumed after a crash, within minutes; a week is ample and keeps the
// directory small.
constexpr std::chrono::hours kSentMarkerAge{24 * 7};

// What enqueue() found.
enum class Enqueued {
  fresh,            // written; the caller tries it now
  already_pending,  // the same notification waits already: leave it to its own tries
  already_sent,     // delivered before (a sent marker exists): nothing to do
};

// A file load() could not use, and what became of it.
struct SetAside {
  std::string path;    // the file as found
  std::string reason;  // why it could not be read; says so if renaming it failed too
};

// What load() found.
struct OutboxLoad {
  std::vector<OutboxEntry> pending;  // to try again, in key order
  std::vector<SetAside> set_aside;   // renamed *.bad (or left, if even that failed)
  int tmp_removed = 0;               // leftovers of interrupted writes
  int sent_removed = 0;              // pending files whose sent marker exists
};

class Outbox {
 public:
  explicit Outbox(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string pending_path(const OutboxEntry& e) const;
  std::string sent_path(const OutboxEntry& e) const;

  // Creates the directory (0700) if needed.
  Status open();

  // Records `e` durably unless it is already pending or sent (see Enqueued). Only a
  // `fresh` answer means a file was written; on an error nothing was.
  Result<Enqueued> enqueue(const OutboxEntry& e);

  // Rewrites the pending file with e.tries (after a failed try).
  Status record_failed_try(const OutboxEntry& e);

  // Delivered: the sent marker is written first, then the pending file removed, so a
  // crash in between leaves both and load() drops the pending one.
  Status mark_delivered(const OutboxEntry& e);

  // Finished without delivery (refused for good, out of retries, channel no longer
  // configured): the pending file is removed and no marker kept, so the same
  // notification enqueued again later gets a fresh chance.
  Status remove(const OutboxEntry& e);

  // Recovery, in one pass: every readable pending file, with the corrupt ones set aside
  // and crash leftovers removed. Never fails as a whole: a missing directory is empty.
  OutboxLoad load();

  // Removes sent markers last written before `cutoff`; returns how many.
  int prune_sent(std::filesystem::file_time_type cutoff);

 private:
  std::string dir_;
};

}  // namespace tandem
