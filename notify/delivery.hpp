// Getting one notification through one channel (a webhook POST, an e-mail), with retries
// and back-off. CAF-free; who waits between tries is the caller's choice: the notifier
// actor schedules a timer (so it stays responsive and stops at once on shutdown), tests
// and tools may simply sleep (deliver_blocking).
//
// Back-off: the first try, then up to `retries` more after 1 s, 2 s, 4 s, 8 s, 16 s
// (first_delay doubled each time). A try the receiver refuses for good (a 4xx webhook
// answer, a 5xx SMTP reply) is not repeated.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "notify/notification.hpp"

namespace tandem {

// Connect, send and answer of one try must fit in this.
constexpr std::chrono::milliseconds kDeliveryTimeout{10'000};

struct RetryPolicy {
  int retries = 5;                                 // tries after the first one
  std::chrono::milliseconds first_delay{1'000};    // doubled before each further retry
  // The wait before retry number `retry` (1-based): first_delay * 2^(retry-1).
  std::chrono::milliseconds delay_before_retry(int retry) const;
};

// The outcome of one try: delivered (no error), or why not and whether trying again
// may help (a timeout may; "no such recipient" will not).
struct TryOutcome {
  std::optional<Error> error;
  bool retryable = true;
  bool ok() const { return !error; }
  static TryOutcome delivered() { return {}; }
  static TryOutcome failed(Error e, bool retryable) { return {std::move(e), retryable}; }
};

class Delivery {
 public:
  using Sender = std::function<TryOutcome()>;
  Delivery(std::string channel, Sender send, RetryPolicy policy = {});

  // Tries once. Returns how long to wait before the next try, or nullopt when this
  // delivery is finished: delivered, refused for good, or out of retries.
  std::optional<std::chrono::milliseconds> try_once();

  // Counts `tries_done` tries as already spent (a delivery restored from the outbox
  // after a restart): the next try_once() is try tries_done + 1 and its back-off goes on
  // from there, so restarts never add retries.
  void resume_after(int tries_done) { tries_ = tries_done < 0 ? 0 : tries_done; }

  const std::string& channel() const { return channel_; }  // "webhook", "email"
  bool finished() const { return finished_; }
  bool delivered() const { return finished_ && !last_error_; }
  int tries() const { return tries_; }
  const std::optional<Error>& last_error() const { return last_error_; }

 private:
  std::string channel_;
  Sender send_;
  RetryPolicy policy_;
  int tries_ = 0;
  bool finished_ = false;
  std::optional<Error> last_error_;
};

// Tries until finished, calling `sleep` between tries. For a caller that owns a thread.
void deliver_blocking(Delivery& d, const std::function<void(std::chrono::milliseconds)>& sleep);

// The delivery of `n` through `channel` ("webhook" or "email"), or nullopt when
// `notify` does not configure that channel (any more).
std::optional<Delivery> delivery_for(const NotifyConfig& notify, const Notification& n,
                                     const std::string& channel, const RetryPolicy& policy = {},
                                     std::chrono::milliseconds timeout = kDeliveryTimeout);

// The deliveries `notify` asks for: a webhook POST and/or one e-mail to every recipient
// of `notify.smtp`; none when neither is configured.
std::vector<Delivery> deliveries_for(const NotifyConfig& notify, const Notification& n,
                                     const RetryPolicy& policy = {},
                                     std::chrono::milliseconds timeout = kDeliveryTimeout);

}  // namespace tandem
