// Retries with back-off: how many tries, which waits, when a delivery gives up; and
// which channels a notify config asks for. Senders are fakes; no network.
#include <gtest/gtest.h>

#include <vector>

#include "notify/delivery.hpp"

namespace tandem {
namespace {

using std::chrono::milliseconds;

// A sender that fails `failures` times (retryable unless `permanent`), then delivers.
Delivery::Sender failing(int failures, int* calls, bool permanent = false) {
  return [=] {
    ++*calls;
    if (*calls <= failures)
      return TryOutcome::failed(make_error("x", "try " + std::to_string(*calls)), !permanent);
    return TryOutcome::delivered();
  };
}

std::vector<milliseconds> waits_of(Delivery& d) {
  std::vector<milliseconds> waits;
  deliver_blocking(d, [&](milliseconds w) { waits.push_back(w); });
  return waits;
}

TEST(NotifyRetry, BackOffDoublesFromOneSecond) {
  RetryPolicy p;
  EXPECT_EQ(p.delay_before_retry(1), milliseconds(1'000));
  EXPECT_EQ(p.delay_before_retry(2), milliseconds(2'000));
  EXPECT_EQ(p.delay_before_retry(5), milliseconds(16'000));
}

TEST(NotifyRetry, DeliveredFirstTimeWaitsForNothing) {
  int calls = 0;
  Delivery d("webhook", failing(0, &calls));
  EXPECT_TRUE(waits_of(d).empty());
  EXPECT_TRUE(d.delivered());
  EXPECT_EQ(calls, 1);
}

TEST(NotifyRetry, RecoversAfterTwoFailuresWithOneAndTwoSecondWaits) {
  int calls = 0;
  Delivery d("webhook", failing(2, &calls));
  auto waits = waits_of(d);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(1'000), milliseconds(2'000)}));
  EXPECT_TRUE(d.delivered());
  EXPECT_EQ(d.tries(), 3);
  EXPECT_FALSE(d.last_error());
}

TEST(NotifyRetry, GivesUpAfterFiveRetriesKeepingTheLastError) {
  int calls = 0;
  Delivery d("email", failing(100, &calls));
  auto waits = waits_of(d);
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(1'000), milliseconds(2'000),
                                              milliseconds(4'000), milliseconds(8'000),
                                              milliseconds(16'000)}));
  EXPECT_TRUE(d.finished());
  EXPECT_FALSE(d.delivered());
  EXPECT_EQ(calls, 6);
  ASSERT_TRUE(d.last_error());
  EXPECT_EQ(d.last_error()->message, "try 6");
  EXPECT_FALSE(d.try_once()) << "a finished delivery does not try again";
  EXPECT_EQ(calls, 6);
}

TEST(NotifyRetry, PermanentRefusalIsNotRepeated) {
  int calls = 0;
  Delivery d("webhook", failing(100, &calls, true));
  EXPECT_TRUE(waits_of(d).empty());
  EXPECT_FALSE(d.delivered());
  EXPECT_EQ(calls, 1);
}

TEST(NotifyRetry, ShorterPolicyForTests) {
  int calls = 0;
  Delivery d("webhook", failing(100, &calls), RetryPolicy{2, milliseconds(10)});
  EXPECT_EQ(waits_of(d), (std::vector<milliseconds>{milliseconds(10), milliseconds(20)}));
  EXPECT_EQ(calls, 3);
}

TEST(NotifyRetry, ResumedDeliveryGoesOnWithItsBackOff) {
  int calls = 0;
  Delivery d("webhook", failing(100, &calls));
  d.resume_after(2);  // two tries spent before a restart
  EXPECT_EQ(waits_of(d), (std::vector<milliseconds>{milliseconds(4'000), milliseconds(8'000),
                                                    milliseconds(16'000)}));
  EXPECT_EQ(calls, 4) << "six tries in all, restart or not";
  EXPECT_EQ(d.tries(), 6);
}

TEST(NotifyRetry, ResumedPastItsRetriesTriesOnceMore) {
  int calls = 0;
  Delivery d("webhook", failing(100, &calls));
  d.resume_after(9);
  EXPECT_TRUE(waits_of(d).empty());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(d.finished());
}

TEST(NotifyChannels, OneChannelAtATime) {
  Notification n;
  NotifyConfig hook;
  hook.webhook = "http://127.0.0.1:1/hook";
  auto d = delivery_for(hook, n, "webhook");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->channel(), "webhook");
  EXPECT_FALSE(delivery_for(hook, n, "email")) << "no smtp configured";
  EXPECT_FALSE(delivery_for(hook, n, "pigeon"));
}

TEST(NotifyChannels, ConfigDecidesWhichChannels) {
  Notification n;
  NotifyConfig none;
  EXPECT_TRUE(deliveries_for(none, n).empty());

  NotifyConfig both;
  both.webhook = "http://127.0.0.1:1/hook";
  both.smtp = SmtpConfig{"127.0.0.1", 25, "tandem@b", {"admin@b"}};
  auto ds = deliveries_for(both, n);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].channel(), "webhook");
  EXPECT_EQ(ds[1].channel(), "email");

  NotifyConfig no_recipients;
  no_recipients.smtp = SmtpConfig{"127.0.0.1", 25, "tandem@b", {}};
  EXPECT_TRUE(deliveries_for(no_recipients, n).empty());
}

}  // namespace
}  // namespace tandem
