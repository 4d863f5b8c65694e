// Loads a restore's staging tables on a connection of its own, next to the restore
// transaction, so that the merge of table i runs while table i+1 is being loaded: two
// backends on two cores. In a sync into an older copy the loads are ~20 % of the restore
// (docs/performance.md, "Data plane"); this hides all of them but the first.
//
// Each table is loaded in a transaction of its own and committed (fresh UNLOGGED table,
// binary COPY of its chunks, ANALYZE, a comment naming the backup it holds); the restore
// transaction, READ COMMITTED, sees it from its next statement on. A staging table whose
// comment names this backup is complete and is not loaded again: the transfer phase
// preloads tables whose chunks have all arrived (preload_staging), and a resumed restore
// keeps what an earlier attempt loaded. Loaders of one session take turns (a PostgreSQL
// advisory lock per session, held by the connection), so a preload still running makes
// the restore wait, not load the same table twice.
//
// Committed staging tables are scratch: run_restore drops them when it fails, and the
// session's cleanup (drop_staging) after it ends or after a crash.
// Internal to persistence/dataplane, but for preload_staging.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/dataplane/restore_plan.hpp"
#include "persistence/spool/spool.hpp"

namespace tandem {

class StagingLoader {
 public:
  using ChunkFn = std::function<void(const TablePlan&, const ChunkInfo&)>;
  // Blocks until the table's chunks may be read (preload: until they have arrived).
  using GateFn = std::function<Status(const TablePlan&)>;

  // `after_chunk` runs on the loader's thread after each chunk is sent (or found loaded).
  StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                ChunkFn after_chunk, GateFn gate = nullptr);
  ~StagingLoader();  // stop()
  StagingLoader(const StagingLoader&) = delete;
  StagingLoader& operator=(const StagingLoader&) = delete;

  // Connects (errors come back here) and starts loading `tables`, indices into
  // plan.tables, in this order.
  Status start(const std::string& conninfo, std::vector<std::size_t> tables);
  // Blocks until plan table `i` is committed; the loader's error if it failed first.
  Status wait_for(std::size_t i);
  // Interrupts the statement running and makes the loader stop; thread-safe, returns
  // at once.
  void cancel() { cancel_.cancel(); }
  // cancel(), wait for the thread to end and disconnect (which frees the session's lock).
  void stop();
  // Tables found loaded by an earlier loader, so far.
  std::size_t tables_found_loaded();

 private:
  void run(std::vector<std::size_t> tables);
  Status load(const TablePlan& p);

  const Manifest& m_;
  const RestorePlan& plan_;
  Spool spool_;  // a copy: its own zstd contexts, as the restore thread reads chunks too
  ChunkFn after_chunk_;
  GateFn gate_;
  CancelToken cancel_;
  std::optional<pg::Connection> conn_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<bool> ready_;
  std::optional<Error> error_;
  std::size_t found_loaded_ = 0;
};

// The transfer phase's helper: loads the staging tables of the non-empty target tables,
// each as soon as all its chunks are in the spool, so the restore finds them loaded.
// Gives up (Ok) when no chunk arrives for `idle_limit_s`. Returns how many tables are
// loaded. Best effort: any error here is the restore's to find again and report.
Result<std::size_t> preload_staging(const std::string& conninfo, const Manifest& manifest,
                                    const RestorePlan& plan, const Spool& spool, int idle_limit_s,
                                    CancelToken& cancel);

}  // namespace tandem
