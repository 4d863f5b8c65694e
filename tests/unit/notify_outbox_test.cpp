// The outbox in a temp dir: enqueue/load/remove round trips, the try count surviving a
// "restart" (a second Outbox on the same dir), idempotent enqueue, sent markers and their
// pruning, corrupt files set aside, and leftovers of a crash mid-write ignored.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "notify/outbox.hpp"
#include "tests/support/temp_dir.hpp"

namespace tandem {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

OutboxEntry entry(const std::string& session = "fs-00000000000000cd",
                  const std::string& event = "full_sync.failed",
                  const std::string& channel = "webhook") {
  OutboxEntry e;
  e.session_id = session;
  e.channel = channel;
  e.notification.event = event;
  e.notification.body = {{"event", event}, {"sessionId", session}, {"bytes", 42}};
  e.notification.subject = "[tandem] Full sync failed: pull a -> b (" + session + ")";
  e.notification.text = "Full sync " + session + " failed.\nError: restore: table orders\n";
  return e;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& f : fs::directory_iterator(dir)) out.insert(f.path().filename().string());
  return out;
}

struct OutboxTest : ::testing::Test {
  TempDir tmp{"notify-outbox"};
  std::string dir = tmp.path() + "/state/outbox";
  Outbox outbox{dir};
  void SetUp() override { ASSERT_TRUE(outbox.open().ok()); }
  OutboxLoad reload() { return Outbox(dir).load(); }  // as a restarted daemon would
};

TEST_F(OutboxTest, EnqueuedEntryIsOneFileThatLoadReturnsWhole) {
  auto e = entry();
  auto q = outbox.enqueue(e);
  ASSERT_TRUE(q.ok()) << q.error().describe();
  EXPECT_EQ(*q, Enqueued::fresh);
  EXPECT_EQ(names_in(dir), std::set<std::string>{e.key() + ".json"});

  auto found = reload();
  ASSERT_EQ(found.pending.size(), 1u);
  const auto& back = found.pending[0];
  EXPECT_EQ(back.session_id, e.session_id);
  EXPECT_EQ(back.channel, "webhook");
  EXPECT_EQ(back.notification.event, "full_sync.failed");
  EXPECT_EQ(back.notification.body, e.notification.body);
  EXPECT_EQ(back.notification.subject, e.notification.subject);
  EXPECT_EQ(back.notification.text, e.notification.text);
  EXPECT_EQ(back.tries, 0);
  EXPECT_TRUE(found.set_aside.empty());
}

TEST_F(OutboxTest, FailedTryCountSurvivesARestart) {
  auto e = entry();
  ASSERT_TRUE(outbox.enqueue(e).ok());
  e.tries = 3;
  ASSERT_TRUE(outbox.record_failed_try(e).ok());
  auto found = reload();
  ASSERT_EQ(found.pending.size(), 1u);
  EXPECT_EQ(found.pending[0].tries, 3);
}

TEST_F(OutboxTest, SameNotificationEnqueuedTwiceStaysOneWithItsCount) {
  auto e = entry();
  ASSERT_TRUE(outbox.enqueue(e).ok());
  e.tries = 2;
  ASSERT_TRUE(outbox.record_failed_try(e).ok());

  auto again = outbox.enqueue(entry());  // the session ended again: tries 0
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Enqueued::already_pending);
  EXPECT_EQ(names_in(dir).size(), 1u);
  auto found = reload();
  ASSERT_EQ(found.pending.size(), 1u);
  EXPECT_EQ(found.pending[0].tries, 2) << "the repeat did not reset the pending entry";
}

TEST_F(OutboxTest, OtherEventOrChannelIsAnotherEntry) {
  EXPECT_EQ(*outbox.enqueue(entry()), Enqueued::fresh);
  EXPECT_EQ(*outbox.enqueue(entry("fs-00000000000000cd", "full_sync.failed", "email")),
            Enqueued::fresh);
  EXPECT_EQ(*outbox.enqueue(entry("fs-00000000000000cd", "full_sync.cancelled")),
            Enqueued::fresh);
  EXPECT_EQ(*outbox.enqueue(entry("fs-00000000000000ce")), Enqueued::fresh);
  EXPECT_EQ(reload().pending.size(), 4u);
}

TEST_F(OutboxTest, DeliveredLeavesOnlyAMarkerThatStopsARepeat) {
  auto e = entry();
  ASSERT_TRUE(outbox.enqueue(e).ok());
  e.tries = 1;
  ASSERT_TRUE(outbox.mark_delivered(e).ok());
  EXPECT_EQ(names_in(dir), std::set<std::string>{e.key() + ".sent"});
  EXPECT_TRUE(reload().pending.empty());

  auto again = outbox.enqueue(entry());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Enqueued::already_sent);
  EXPECT_TRUE(reload().pending.empty()) << "nothing was written for the repeat";
}

TEST_F(OutboxTest, GivenUpEntryIsRemovedAndMayComeAgain) {
  auto e = entry();
  ASSERT_TRUE(outbox.enqueue(e).ok());
  ASSERT_TRUE(outbox.remove(e).ok());
  EXPECT_TRUE(names_in(dir).empty());
  EXPECT_TRUE(reload().pending.empty());
  EXPECT_EQ(*outbox.enqueue(e), Enqueued::fresh);
  EXPECT_TRUE(outbox.remove(e).ok());
  EXPECT_TRUE(outbox.remove(e).ok()) << "removing what is gone is fine";
}

TEST_F(OutboxTest, CrashInsideMarkDeliveredDoesNotSendAgain) {
  auto e = entry();
  ASSERT_TRUE(outbox.enqueue(e).ok());
  std::string pending = outbox.pending_path(e);
  std::string saved;
  {
    std::ifstream in(pending);
    saved.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_TRUE(outbox.mark_delivered(e).ok());
  write_text(pending, saved);  // as if the crash came between marker and unlink

  auto found = reload();
  EXPECT_TRUE(found.pending.empty());
  EXPECT_EQ(found.sent_removed, 1);
  EXPECT_FALSE(fs::exists(pending));
}

TEST_F(OutboxTest, CorruptFilesAreSetAsideAndTheRestLoads) {
  auto good = entry();
  ASSERT_TRUE(outbox.enqueue(good).ok());
  auto other = entry("fs-00000000000000ef");
  std::string mismatched = dir + "/" + other.key() + ".json";
  write_text(mismatched, outbox_entry_to_json(good).dump());  // content of another entry
  std::string garbage = dir + "/fs-1+full_sync.failed+webhook.json";
  write_text(garbage, "{\"format\": 1, \"sessionId\": \"fs-1\", \"ev");  // torn by hand
  std::string missing = dir + "/fs-2+full_sync.failed+webhook.json";
  auto no_body = outbox_entry_to_json(entry("fs-2"));
  no_body.erase("body");
  write_text(missing, no_body.dump());

  auto found = reload();
  ASSERT_EQ(found.pending.size(), 1u);
  EXPECT_EQ(found.pending[0].key(), good.key());
  ASSERT_EQ(found.set_aside.size(), 3u);
  std::set<std::string> paths, reasons;
  for (const auto& bad : found.set_aside) {
    paths.insert(bad.path);
    reasons.insert(bad.reason);
    EXPECT_FALSE(fs::exists(bad.path)) << bad.path;
    EXPECT_TRUE(fs::exists(bad.path + ".bad")) << bad.path;
  }
  EXPECT_EQ(paths, (std::set<std::string>{mismatched, garbage, missing}));
  bool names_body = false;
  for (const auto& r : reasons) names_body = names_body || r.find("body") != std::string::npos;
  EXPECT_TRUE(names_body) << "the reason names the missing field";

  auto later = reload();
  EXPECT_EQ(later.pending.size(), 1u);
  EXPECT_TRUE(later.set_aside.empty()) << "*.bad files are left alone";
}

TEST_F(OutboxTest, TmpFilesLeftByACrashAreIgnoredAndRemoved) {
  auto kept = entry();
  ASSERT_TRUE(outbox.enqueue(kept).ok());
  // A new entry whose rename never happened, and a try-count update cut short.
  auto unborn = entry("fs-00000000000000ff");
  write_text(outbox.pending_path(unborn) + ".tmp", outbox_entry_to_json(unborn).dump());
  write_text(outbox.pending_path(kept) + ".tmp", "{\"format\": 1, \"tri");

  auto found = reload();
  ASSERT_EQ(found.pending.size(), 1u);
  EXPECT_EQ(found.pending[0].key(), kept.key());
  EXPECT_EQ(found.tmp_removed, 2);
  EXPECT_TRUE(found.set_aside.empty());
  EXPECT_EQ(names_in(dir), std::set<std::string>{kept.key() + ".json"});
}

TEST_F(OutboxTest, PruneRemovesOnlyOldSentMarkers) {
  auto old_one = entry("fs-0000000000000001"), new_one = entry("fs-0000000000000002");
  for (const auto& e : {old_one, new_one}) {
    ASSERT_TRUE(outbox.enqueue(e).ok());
    ASSERT_TRUE(outbox.mark_delivered(e).ok());
  }
  auto now = fs::file_time_type::clock::now();
  fs::last_write_time(outbox.sent_path(old_one), now - kSentMarkerAge - std::chrono::hours(1));
  EXPECT_EQ(outbox.prune_sent(now - kSentMarkerAge), 1);
  EXPECT_FALSE(fs::exists(outbox.sent_path(old_one)));
  EXPECT_TRUE(fs::exists(outbox.sent_path(new_one)));
  EXPECT_EQ(*outbox.enqueue(old_one), Enqueued::fresh) << "its marker is gone";
}

TEST(OutboxDir, MissingDirectoryLoadsEmptyAndOpenCreatesIt) {
  TempDir tmp("notify-outbox");
  Outbox outbox(tmp.path() + "/a/b/outbox");
  auto found = outbox.load();
  EXPECT_TRUE(found.pending.empty());
  EXPECT_TRUE(found.set_aside.empty());
  ASSERT_TRUE(outbox.open().ok());
  EXPECT_TRUE(fs::is_directory(outbox.dir()));
}

TEST(OutboxDir, UnwritableDirectoryIsAnErrorNotAFreshEntry) {
  TempDir tmp("notify-outbox");
  write_text(tmp.file("file"), "x");
  Outbox outbox(tmp.file("file") + "/outbox");  // a file where a directory should be
  EXPECT_FALSE(outbox.open().ok());
  auto q = outbox.enqueue(entry());
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().describe().find("outbox"), std::string::npos) << q.error().describe();
}

TEST(OutboxKey, EscapesSoKeysAreFileNamesAndDistinct) {
  EXPECT_EQ(outbox_key("fs-00cd", "full_sync.failed", "webhook"),
            "fs-00cd+full_sync.failed+webhook");
  EXPECT_NE(outbox_key("a+b", "c", "d"), outbox_key("a", "b+c", "d"));
  auto odd = outbox_key("../x/y", "e v", "w");
  EXPECT_EQ(odd.find('/'), std::string::npos) << odd;
  EXPECT_EQ(odd.find(' '), std::string::npos) << odd;
}

TEST(OutboxEntryCodec, RoundTripsAndRejectsBadFields) {
  auto e = entry();
  e.tries = 4;
  auto back = outbox_entry_from_json(outbox_entry_to_json(e));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->key(), e.key());
  EXPECT_EQ(back->tries, 4);

  for (const char* field : {"format", "sessionId", "event", "channel", "tries", "body"}) {
    auto j = outbox_entry_to_json(e);
    j.erase(field);
    auto bad = outbox_entry_from_json(j);
    ASSERT_FALSE(bad.ok()) << field;
    EXPECT_EQ(bad.error().code, "outbox_corrupt");
    EXPECT_EQ(bad.error().field, field);
  }
  auto negative = outbox_entry_to_json(e);
  negative["tries"] = -1;
  EXPECT_FALSE(outbox_entry_from_json(negative).ok());
  auto future = outbox_entry_to_json(e);
  future["format"] = 2;
  EXPECT_FALSE(outbox_entry_from_json(future).ok());
}

}  // namespace
}  // namespace tandem
