// Loads a restore's staging tables on a connection of its own, next to the restore
// transaction, so that the merge of table i runs while table i+1 is being loaded: two
// backends on two cores. In a sync into an older copy the loads are ~20 % of the restore
// (docs/performance.md, "Data plane"); this hides all of them but the first.
//
// Each table is loaded in a transaction of its own and committed (fresh UNLOGGED table,
// binary COPY of its chunks, ANALYZE); the restore transaction, READ COMMITTED, sees it
// from its next statement on. Committed staging tables are scratch: run_restore drops
// them when it fails, and a crash leaves them to the session's cleanup (drop_staging).
// Internal to persistence/dataplane.
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

  // `after_chunk` runs on the loader's thread after each chunk is sent.
  StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                ChunkFn after_chunk);
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
  // cancel() and wait for the thread to end.
  void stop();

 private:
  void run(std::vector<std::size_t> tables);
  Status load(const TablePlan& p);

  const Manifest& m_;
  const RestorePlan& plan_;
  Spool spool_;  // a copy: its own zstd contexts, as the restore thread reads chunks too
  ChunkFn after_chunk_;
  CancelToken cancel_;
  std::optional<pg::Connection> conn_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<bool> ready_;
  std::optional<Error> error_;
};

}  // namespace tandem
