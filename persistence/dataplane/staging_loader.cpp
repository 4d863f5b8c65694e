#include "persistence/dataplane/staging_loader.hpp"

#include <chrono>

#include "base/thread_name.hpp"
#include "persistence/dataplane/chunk_copy.hpp"
#include "persistence/dataplane/session_settings.hpp"

namespace tandem {
namespace {

// What a complete staging table's comment says: the backup its rows come from. A new
// backup of the same session (the source restarted) has another snapshot.
std::string backup_tag(const Manifest& m) {
  return "tandem backup " + m.snapshot_id + " " + std::to_string(m.created_at);
}

}  // namespace

StagingLoader::StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                             ChunkFn after_chunk, GateFn gate)
    : m_(manifest), plan_(plan), spool_(spool), after_chunk_(std::move(after_chunk)),
      gate_(std::move(gate)), ready_(plan.tables.size(), false) {}

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
  conn_.reset();
}

std::size_t StagingLoader::tables_found_loaded() {
  std::lock_guard<std::mutex> lock(mutex_);
  return found_loaded_;
}

void StagingLoader::run(std::vector<std::size_t> tables) {
  name_this_thread("tandem.staging");
  // Registered for the whole run, so a cancel interrupts whichever statement runs (the
  // wait for the lock included).
  CancelToken::Interrupt interrupt(cancel_, [this] { conn_->cancel(); });
  Status s = cancel_.cancelled() ? Status(cancelled_error("restore"))
                                 : conn_->exec(staging_lock_sql(*conn_, plan_.session_id, true));
  for (std::size_t i : tables) {
    if (s.ok()) s = cancel_.cancelled() ? Status(cancelled_error("restore")) : load(plan_.tables.at(i));
    std::lock_guard<std::mutex> lock(mutex_);
    if (!s.ok()) {
      (void)conn_->exec("ROLLBACK");
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
  const ManifestTable& mt = m_.tables[p.manifest_table];
  const std::string tag = backup_tag(m_);
  auto loaded = conn_->scalar(
      "SELECT coalesce(obj_description(to_regclass($1), 'pg_class') = $2, false)",
      {pg::qualified_name(*conn_, kStagingSchema, p.staging_table), tag});
  if (!loaded.ok()) return loaded.error();
  if (loaded->value_or("f") == "t") {
    for (std::uint64_t c = mt.first_chunk; c < mt.first_chunk + mt.chunk_count; ++c)
      if (after_chunk_) after_chunk_(p, m_.chunks.at(c));
    std::lock_guard<std::mutex> lock(mutex_);
    ++found_loaded_;
    return ok_status();
  }
  if (gate_)
    if (auto s = gate_(p); !s.ok()) return s;
  std::string begin = std::string("BEGIN; ") + kRestoreSettings + " CREATE SCHEMA IF NOT EXISTS " +
                      conn_->quote_ident(kStagingSchema) + "; " + p.drop_staging + "; " +
                      p.create_staging;
  if (auto s = conn_->exec(begin); !s.ok()) return s;
  auto after_chunk = [&](const ChunkInfo& c) {
    if (after_chunk_) after_chunk_(p, c);
  };
  if (auto s = copy_chunks_in(*conn_, p.copy_into_staging, m_, mt, spool_, after_chunk, cancel_); !s.ok())
    return s;
  return conn_->exec(p.analyze_staging + "; COMMENT ON TABLE " +
                     pg::qualified_name(*conn_, kStagingSchema, p.staging_table) + " IS " +
                     conn_->quote_literal(tag) + "; COMMIT");
}

Result<std::size_t> preload_staging(const std::string& conninfo, const Manifest& manifest,
                                    const RestorePlan& plan, const Spool& spool, int idle_limit_s,
                                    CancelToken& cancel) {
  auto conn = open_data_plane_connection(conninfo, "preload staging");
  if (!conn.ok()) return conn.error();
  // Empty target tables are loaded straight into the table by the restore.
  std::vector<std::size_t> tables;
  for (std::size_t i = 0; i < plan.tables.size(); ++i) {
    auto empty = conn->scalar(plan.tables[i].is_empty);
    if (!empty.ok()) return empty.error();
    if (empty->value_or("f") != "t") tables.push_back(i);
  }
  using Clock = std::chrono::steady_clock;
  auto last_arrival = Clock::now();
  Spool reader = spool;  // the gate's own zstd contexts, apart from the loader's
  auto gate = [&](const TablePlan& p) -> Status {
    const ManifestTable& mt = manifest.tables[p.manifest_table];
    for (std::uint64_t c = mt.first_chunk; c < mt.first_chunk + mt.chunk_count; ++c) {
      while (!reader.has_valid_chunk(manifest.chunks.at(c))) {
        if (cancel.cancelled()) return cancelled_error("preload");
        if (Clock::now() - last_arrival > std::chrono::seconds(idle_limit_s))
          return make_error("preload_idle", "no chunk arrived for " + std::to_string(idle_limit_s) + " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      last_arrival = Clock::now();
    }
    return ok_status();
  };
  StagingLoader loader(manifest, plan, spool, nullptr, gate);
  CancelToken::Interrupt interrupt(cancel, [&] { loader.cancel(); });
  if (auto s = loader.start(conninfo, tables); !s.ok()) return s.error();
  for (std::size_t i : tables)
    if (auto s = loader.wait_for(i); !s.ok()) return s.error();
  return tables.size();
}

}  // namespace tandem
