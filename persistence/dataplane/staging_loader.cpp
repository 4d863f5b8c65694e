#include "persistence/dataplane/staging_loader.hpp"

#include "base/thread_name.hpp"
#include "persistence/dataplane/chunk_copy.hpp"
#include "persistence/dataplane/session_settings.hpp"

namespace tandem {

StagingLoader::StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                             ChunkFn after_chunk)
    : m_(manifest), plan_(plan), spool_(spool), after_chunk_(std::move(after_chunk)),
      ready_(plan.tables.size(), false) {}

StagingLoader::~StagingLoader() { stop(); }

Status StagingLoader::start(const std::string& conninfo, std::vector<std::size_t> tables) {
  auto conn = open_data_plane_connection(conninfo, "restore staging");
  if (!conn.ok()) return conn.error();
  // client_min_messages: "table … does not exist, skipping" is not news for a log.
  if (auto s = conn->exec("SET client_min_messages = warning"); !s.ok()) return s;
  conn_.emplace(std::move(*conn));
  thread_ = std::thread([this, tables = std::move(tables)]() mutable { run(std::move(tables)); });
  return ok_status();
}

Status StagingLoader::wait_for(std::size_t i) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_.at(i) || error_.has_value(); });
  if (ready_[i]) return ok_status();
  return *error_;
}

void StagingLoader::stop() {
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

void StagingLoader::run(std::vector<std::size_t> tables) {
  name_this_thread("tandem.staging");
  // Registered for the whole run, so a cancel interrupts whichever statement runs.
  CancelToken::Interrupt interrupt(cancel_, [this] { conn_->cancel(); });
  for (std::size_t i : tables) {
    Status s = cancel_.cancelled() ? Status(cancelled_error("restore")) : load(plan_.tables.at(i));
    if (!s.ok()) (void)conn_->exec("ROLLBACK");  // before the lock: waiters need not wait for it
    std::lock_guard<std::mutex> lock(mutex_);
    if (!s.ok()) {
      error_ = s.error();
      changed_.notify_all();
      return;
    }
    ready_[i] = true;
    changed_.notify_all();
  }
}

// One table, one transaction: the staging table is either complete and committed, or
// not there.
Status StagingLoader::load(const TablePlan& p) {
  std::string begin = std::string("BEGIN; ") + kRestoreSettings + " CREATE SCHEMA IF NOT EXISTS " +
                      conn_->quote_ident(kStagingSchema) + "; " + p.drop_staging + "; " +
                      p.create_staging;
  if (auto s = conn_->exec(begin); !s.ok()) return s;
  auto after_chunk = [&](const ChunkInfo& c) {
    if (after_chunk_) after_chunk_(p, c);
  };
  if (auto s = copy_chunks_in(*conn_, p.copy_into_staging, m_, m_.tables[p.manifest_table], spool_,
                              after_chunk, cancel_);
      !s.ok())
    return s;
  return conn_->exec(p.analyze_staging + "; COMMIT");
}

}  // namespace tandem
