// The e-mail channel: one plain-text message through an SMTP server, with Poco's
// SMTPClientSession and MailMessage. Plain SMTP on host:port, no TLS and no
// authentication (the config has neither: a local relay is expected). CAF-free and
// blocking; retries are delivery.hpp's business.
#pragma once

#include <chrono>
#include <string>

#include "config/config.hpp"
#include "notify/delivery.hpp"

namespace tandem {

// Sends one message from `smtp.from` to every address in `smtp.to`. A permanent SMTP
// reply (5xx: unknown recipient, relaying denied) is not retryable; a connection error,
// a timeout or a transient reply (4xx) is.
TryOutcome send_mail(const SmtpConfig& smtp, const std::string& subject, const std::string& text,
                     std::chrono::milliseconds timeout = kDeliveryTimeout);

}  // namespace tandem
