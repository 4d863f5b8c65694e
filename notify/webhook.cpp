// Webhook POST with Poco's HTTP client (see webhook.hpp). Poco's exceptions stop here and
// become errors that name the URL.
#include "notify/webhook.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <memory>
#include <mutex>
#include <sstream>

#include "base/log.hpp"

#ifdef TANDEM_NOTIFY_HTTPS
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#endif

namespace tandem {
namespace {

using Poco::Net::HTTPClientSession;
using Poco::Net::HTTPRequest;
using Poco::Net::HTTPResponse;

TryOutcome refused(const std::string& url, const std::string& why) {
  return TryOutcome::failed(make_error("webhook_refused", why, url), false);
}

TryOutcome failed(const std::string& url, const std::string& why) {
  return TryOutcome::failed(make_error("webhook_failed", why, url), true);
}

// A client session for `uri`'s scheme, or nullptr when this build cannot speak it.
std::unique_ptr<HTTPClientSession> session_for(const Poco::URI& uri) {
  if (uri.getScheme() == "http")
    return std::make_unique<HTTPClientSession>(uri.getHost(), uri.getPort());
#ifdef TANDEM_NOTIFY_HTTPS
  if (uri.getScheme() == "https") {
    // Certificates are verified against the system's CAs, as a browser would.
    static std::once_flag ssl_once;
    std::call_once(ssl_once, [] { Poco::Net::initializeSSL(); });
    Poco::Net::Context::Ptr tls = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_RELAXED, 9, true);
    return std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
  }
#endif
  return nullptr;
}

bool retryable_status(int status) { return status >= 500 || status == 408 || status == 429; }

}  // namespace

bool https_webhooks_supported() {
#ifdef TANDEM_NOTIFY_HTTPS
  return true;
#else
  return false;
#endif
}

TryOutcome post_webhook(const std::string& url, const std::string& json_body,
                        std::chrono::milliseconds timeout) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    return refused(url, "not a URL: " + e.displayText());
  }
  if (uri.getScheme() == "https" && !https_webhooks_supported()) {
    log::error("notify") << "https webhooks are not supported in this build (no Poco NetSSL): "
                         << url << " is not called; use an http:// URL";
    return refused(url, "https webhooks are not supported in this build");
  }
  if (uri.getHost().empty()) return refused(url, "the URL has no host");
  auto session = session_for(uri);
  if (!session) return refused(url, "scheme \"" + uri.getScheme() + "\" is not http or https");

  try {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    session->setTimeout(Poco::Timespan(us));
    std::string path = uri.getPathAndQuery();
    HTTPRequest req(HTTPRequest::HTTP_POST, path.empty() ? "/" : path, HTTPRequest::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(json_body.size()));
    req.set("User-Agent", "tandem-notify");
    session->sendRequest(req) << json_body;
    HTTPResponse res;
    std::istream& in = session->receiveResponse(res);
    std::ostringstream answer;
    answer << in.rdbuf();
    int status = static_cast<int>(res.getStatus());
    if (status >= 200 && status < 300) return TryOutcome::delivered();
    std::string why = "answered " + std::to_string(status) + " " + res.getReason();
    std::string text = answer.str().substr(0, 200);
    if (!text.empty()) why += ": " + text;
    return retryable_status(status) ? failed(url, why) : refused(url, why);
  } catch (const Poco::Exception& e) {
    return failed(url, e.displayText());
  } catch (const std::exception& e) {
    return failed(url, e.what());
  }
}

}  // namespace tandem
