// Loads a restore's staging tables on connections of their own, next to the restore
// transaction, so that the merge of table i runs while the next tables are being loaded.
// Two connections take the tables in merge order from one list: with one, the biggest
// table (last in foreign-key order in most schemas) was still loading when its merge was
// due (bench-dataplane, 1M rows: the merges waited 0.6-0.7 s of a 3.6 s restore for
// their staging tables, 0.3 s of it for order_items).
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
#include <memory>
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

// Loads `p`'s staging table from its chunks in one committed transaction of its own
// (fresh UNLOGGED table, binary COPY, ANALYZE): what each loader connection does per
// table, and what verify does for a table loaded directly when it must compare the
// snapshot's rows again (restore.hpp, WrittenMeanwhile::spool).
Status stage_table(pg::Connection& conn, const Manifest& m, const TablePlan& p, const Spool& spool,
                   const std::function<void(const ChunkInfo&)>& after_chunk, const CancelToken& cancel);

class StagingLoader {
 public:
  using ChunkFn = std::function<void(const TablePlan&, const ChunkInfo&)>;

  // `after_chunk` runs on a loader thread after each chunk is sent (two may call it at once).
  StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                ChunkFn after_chunk);
  ~StagingLoader();  // stop()
  StagingLoader(const StagingLoader&) = delete;
  StagingLoader& operator=(const StagingLoader&) = delete;

  // Connects (errors come back here) and starts loading `tables`, indices into
  // plan.tables, taken in this order.
  Status start(const std::string& conninfo, std::vector<std::size_t> tables);
  // Blocks until plan table `i` is committed; the loader's error if it failed first
  // (failing_table() then says which table's load failed: not always `i`).
  Status wait_for(std::size_t i);
  std::size_t failing_table();
  // Interrupts the statement running and makes the loader stop; thread-safe, returns
  // at once.
  void cancel() { cancel_.cancel(); }
  // cancel() and wait for the threads to end.
  void stop();

 private:
  static constexpr int kConnections = 2;

  struct Worker {
    pg::Connection conn;
    Spool spool;  // a copy per thread: its own zstd contexts
    std::thread thread;
  };
  void run(Worker& w);
  Status load(Worker& w, const TablePlan& p);

  const Manifest& m_;
  const RestorePlan& plan_;
  Spool spool_;
  ChunkFn after_chunk_;
  CancelToken cancel_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<CancelToken::Interrupt> interrupt_;  // cancels every worker's statement

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::size_t> tables_;  // to load, in order
  std::size_t next_ = 0;             // the next one to take
  std::vector<bool> ready_;
  std::optional<Error> error_;
  std::size_t error_table_ = 0;  // the plan table whose load failed
};

}  // namespace tandem
