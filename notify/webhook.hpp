// The webhook channel: one HTTP POST of a notification's JSON body. CAF-free, blocking
// (the caller's thread waits up to `timeout`); retries are delivery.hpp's business.
//
// https:// needs Poco NetSSL at build time (TANDEM_NOTIFY_HTTPS); a build without it
// refuses such URLs with a log line saying so (the config still accepts them, so one
// config file serves every build).
#pragma once

#include <chrono>
#include <string>

#include "notify/delivery.hpp"

namespace tandem {

// Whether this build can POST to https:// URLs.
bool https_webhooks_supported();

// POSTs `json_body` (Content-Type: application/json) to `url`. Any 2xx answer means
// delivered. Not retryable: a malformed URL, an unsupported scheme, and a 4xx answer
// other than 408/429 (the receiver refuses this request; asking again will not help).
// Retryable: connection errors, timeouts, 5xx, 408 and 429.
TryOutcome post_webhook(const std::string& url, const std::string& json_body,
                        std::chrono::milliseconds timeout = kDeliveryTimeout);

}  // namespace tandem
