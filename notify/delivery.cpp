// Retries with back-off for one notification channel (see delivery.hpp).
#include "notify/delivery.hpp"

#include <algorithm>

#include "notify/smtp.hpp"
#include "notify/webhook.hpp"

namespace tandem {

std::chrono::milliseconds RetryPolicy::delay_before_retry(int retry) const {
  int doublings = retry < 1 ? 0 : std::min(retry - 1, 20);  // 20: ~12 days at 1 s, no overflow
  return first_delay * (1LL << doublings);
}

Delivery::Delivery(std::string channel, Sender send, RetryPolicy policy)
    : channel_(std::move(channel)), send_(std::move(send)), policy_(policy) {}

std::optional<std::chrono::milliseconds> Delivery::try_once() {
  if (finished_) return std::nullopt;
  ++tries_;
  TryOutcome out = send_();
  last_error_ = out.error;
  int retries_done = tries_ - 1;
  if (out.ok() || !out.retryable || retries_done >= policy_.retries) {
    finished_ = true;
    return std::nullopt;
  }
  return policy_.delay_before_retry(retries_done + 1);
}

void deliver_blocking(Delivery& d, const std::function<void(std::chrono::milliseconds)>& sleep) {
  while (auto wait = d.try_once()) sleep(*wait);
}

std::optional<Delivery> delivery_for(const NotifyConfig& notify, const Notification& n,
                                     const std::string& channel, const RetryPolicy& policy,
                                     std::chrono::milliseconds timeout) {
  if (channel == "webhook" && notify.webhook && !notify.webhook->empty()) {
    std::string url = *notify.webhook;
    std::string body = n.body.dump();
    return Delivery("webhook", [url, body, timeout] { return post_webhook(url, body, timeout); },
                    policy);
  }
  if (channel == "email" && notify.smtp && !notify.smtp->to.empty()) {
    SmtpConfig smtp = *notify.smtp;
    std::string subject = n.subject, text = n.text;
    auto send = [smtp, subject, text, timeout] { return send_mail(smtp, subject, text, timeout); };
    return Delivery("email", send, policy);
  }
  return std::nullopt;
}

std::vector<Delivery> deliveries_for(const NotifyConfig& notify, const Notification& n,
                                     const RetryPolicy& policy, std::chrono::milliseconds timeout) {
  std::vector<Delivery> out;
  for (const char* channel : {"webhook", "email"})
    if (auto d = delivery_for(notify, n, channel, policy, timeout)) out.push_back(std::move(*d));
  return out;
}

}  // namespace tandem
