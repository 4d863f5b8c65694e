// The outbox directory (see outbox.hpp). Durable writes come from the spool's
// durable_file (same rules: tmp, fsync, rename, fsync the directory).
#include "notify/outbox.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "persistence/spool/durable_file.hpp"

namespace tandem {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxEntryBytes = 1 << 20;  // a notification is a few KB

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

Error io_error(const std::string& what, const std::string& path, int err) {
  return make_error("outbox_io", "cannot " + what + " " + path + ": " + std::strerror(err), path);
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// unlink that treats "already gone" as done.
Status unlink_if_there(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_error("remove", path, errno);
  return ok_status();
}

// The entry in the pending file at `path`, or why it cannot be used.
Result<OutboxEntry> read_entry(const std::string& path, const std::string& stem) {
  auto bytes = read_file(path, kMaxEntryBytes);
  if (!bytes.ok()) return bytes.error();
  auto j = nlohmann::json::parse(*bytes, nullptr, false);
  if (j.is_discarded()) return make_error("outbox_corrupt", "not valid JSON", path);
  auto e = outbox_entry_from_json(j);
  if (!e.ok()) return e.error();
  // The name is the entry's identity (idempotent enqueue); a file whose content says
  // otherwise would escape it.
  if (e->key() != stem)
    return make_error("outbox_corrupt", "holds " + e->key() + ", not what its name says", path);
  return e;
}

}  // namespace

Outbox::Outbox(std::string dir) : dir_(std::move(dir)) {}

std::string Outbox::pending_path(const OutboxEntry& e) const {
  return dir_ + "/" + e.key() + ".json";
}

std::string Outbox::sent_path(const OutboxEntry& e) const {
  return dir_ + "/" + e.key() + ".sent";
}

Status Outbox::open() { return make_private_dirs(dir_); }

Result<Enqueued> Outbox::enqueue(const OutboxEntry& e) {
  // Pending first: a notification both pending and marked sent (a crash inside
  // mark_delivered) is reported pending; load() settles it at the next start.
  if (exists(pending_path(e))) return Enqueued::already_pending;
  if (exists(sent_path(e))) return Enqueued::already_sent;
  if (auto st = write_file_durably(pending_path(e), outbox_entry_to_json(e).dump()); !st)
    return st.error();
  return Enqueued::fresh;
}

Status Outbox::record_failed_try(const OutboxEntry& e) {
  return write_file_durably(pending_path(e), outbox_entry_to_json(e).dump());
}

Status Outbox::mark_delivered(const OutboxEntry& e) {
  nlohmann::json marker = {{"sessionId", e.session_id},
                           {"event", e.notification.event},
                           {"channel", e.channel},
                           {"tries", e.tries}};
  auto marked = write_file_durably(sent_path(e), marker.dump());
  // Removed even when the marker could not be written: delivered is delivered, and a
  // pending file left behind would send it again at the next start.
  auto removed = remove(e);
  return marked.ok() ? removed : marked;
}

Status Outbox::remove(const OutboxEntry& e) {
  if (auto st = unlink_if_there(pending_path(e)); !st) return st;
  return fsync_dir(dir_);
}

OutboxLoad Outbox::load() {
  OutboxLoad out;
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = dir_ + "/" + name;
    if (ends_with(name, ".tmp")) {
      if (unlink_if_there(path).ok()) ++out.tmp_removed;
      continue;
    }
    if (!ends_with(name, ".json")) continue;  // sent markers, *.bad, strangers
    std::string stem = name.substr(0, name.size() - 5);
    auto e = read_entry(path, stem);
    if (!e.ok()) {
      SetAside bad{path, e.error().describe()};
      if (::rename(path.c_str(), (path + ".bad").c_str()) != 0)
        bad.reason += "; and it could not be renamed to *.bad: " + std::string(std::strerror(errno));
      out.set_aside.push_back(std::move(bad));
      continue;
    }
    if (exists(sent_path(*e))) {
      if (remove(*e).ok()) ++out.sent_removed;
      continue;
    }
    out.pending.push_back(std::move(*e));
  }
  if (out.tmp_removed > 0 || !out.set_aside.empty()) (void)fsync_dir(dir_);
  return out;
}

int Outbox::prune_sent(fs::file_time_type cutoff) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".sent") continue;
    std::error_code tec;
    auto written = fs::last_write_time(it->path(), tec);
    if (!tec && written < cutoff && fs::remove(it->path(), tec)) ++removed;
  }
  return removed;
}

}  // namespace tandem
