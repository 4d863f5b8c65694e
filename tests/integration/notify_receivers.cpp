// Test receivers for notifications (see notify_receivers.hpp).
#include "tests/integration/notify_receivers.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cctype>
#include <sstream>

#include "tests/support/process.hpp"

namespace tandem::test {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

class RecordingHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RecordingHandler(std::shared_ptr<WebhookReceiver::Shared> shared)
      : shared_(std::move(shared)) {}
  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& res) override {
    ReceivedPost post;
    post.path = req.getURI();
    post.content_type = req.getContentType();
    std::ostringstream body;
    body << req.stream().rdbuf();
    post.body = body.str();
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      bool fail = static_cast<int>(shared_->posts.size()) < shared_->failures;
      post.answered = fail ? shared_->failure_status : 200;
      shared_->posts.push_back(post);
    }
    res.setStatus(static_cast<HTTPServerResponse::HTTPStatus>(post.answered));
    res.setContentType("text/plain");
    res.send() << (post.answered == 200 ? "ok" : "try later");
  }

 private:
  std::shared_ptr<WebhookReceiver::Shared> shared_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<WebhookReceiver::Shared> shared) : shared_(std::move(shared)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new RecordingHandler(shared_);
  }

 private:
  std::shared_ptr<WebhookReceiver::Shared> shared_;
};

// Reads one CRLF-terminated line (without the CRLF); false when the peer closed.
bool read_line(Poco::Net::StreamSocket& s, std::string& pending, std::string& line) {
  for (;;) {
    auto eol = pending.find("\r\n");
    if (eol != std::string::npos) {
      line = pending.substr(0, eol);
      pending.erase(0, eol + 2);
      return true;
    }
    char buf[1024];
    int n = s.receiveBytes(buf, sizeof buf);
    if (n <= 0) return false;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

// "MAIL FROM:<a@b>" -> "a@b".
std::string angle_arg(const std::string& line) {
  auto open = line.find('<'), close = line.rfind('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  return line.substr(open + 1, close - open - 1);
}

bool starts_with_ci(const std::string& line, const std::string& verb) {
  if (line.size() < verb.size()) return false;
  for (std::size_t i = 0; i < verb.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(line[i])) != verb[i]) return false;
  return true;
}

}  // namespace

WebhookReceiver::WebhookReceiver(int failures, int failure_status)
    : shared_(std::make_shared<Shared>()) {
  shared_->failures = failures;
  shared_->failure_status = failure_status;
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  port_ = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(shared_), socket, params);
  server_->start();
}

WebhookReceiver::~WebhookReceiver() { server_->stopAll(true); }

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedPost> WebhookReceiver::posts() const {
  std::lock_guard<std::mutex> lock(shared_->mu);
  return shared_->posts;
}

bool WebhookReceiver::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return posts().size() >= n; }, timeout);
}

void WebhookReceiver::accept_all() {
  std::lock_guard<std::mutex> lock(shared_->mu);
  shared_->failures = static_cast<int>(shared_->posts.size());
}

std::size_t WebhookReceiver::answered(int status) const {
  std::size_t n = 0;
  for (const auto& p : posts()) n += p.answered == status ? 1 : 0;
  return n;
}

SmtpSink::SmtpSink(bool reject_recipients)
    : reject_recipients_(reject_recipients),
      socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
      port_(socket_.address().port()),
      thread_([this] { serve(); }) {}

SmtpSink::~SmtpSink() {
  stop_ = true;
  thread_.join();
}

std::vector<ReceivedMail> SmtpSink::mails() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mails_;
}

bool SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return mails().size() >= n; }, timeout);
}

// One client at a time; polls so the destructor can stop it.
void SmtpSink::serve() {
  while (!stop_) {
    if (!socket_.poll(Poco::Timespan(0, 100'000), Poco::Net::Socket::SELECT_READ)) continue;
    Poco::Net::StreamSocket client = socket_.acceptConnection();
    client.setReceiveTimeout(Poco::Timespan(5, 0));
    try {
      converse(client);
    } catch (const Poco::Exception&) {
      // A client that vanished mid-conversation: keep what was recorded, serve the next.
    }
    client.close();
  }
}

void SmtpSink::converse(Poco::Net::StreamSocket& client) {
  auto say = [&](const std::string& reply) {
    std::string out = reply + "\r\n";
    client.sendBytes(out.data(), static_cast<int>(out.size()));
  };
  ReceivedMail mail;
  std::string pending, line;
  say("220 sink.test ESMTP tandem test sink");
  while (read_line(client, pending, line)) {
    if (starts_with_ci(line, "EHLO") || starts_with_ci(line, "HELO")) {
      mail.helo = line;
      say("250 sink.test");
    } else if (starts_with_ci(line, "MAIL FROM:")) {
      mail.from = angle_arg(line);
      say("250 OK");
    } else if (starts_with_ci(line, "RCPT TO:")) {
      if (reject_recipients_) {
        say("550 5.1.1 no such user here");
      } else {
        mail.to.push_back(angle_arg(line));
        say("250 OK");
      }
    } else if (starts_with_ci(line, "DATA")) {
      say("354 end data with <CRLF>.<CRLF>");
      while (read_line(client, pending, line) && line != ".")
        mail.data += (line.rfind("..", 0) == 0 ? line.substr(1) : line) + "\n";
      say("250 OK queued");
    } else if (starts_with_ci(line, "QUIT")) {
      mail.quit = true;
      say("221 bye");
      break;
    } else if (starts_with_ci(line, "RSET") || starts_with_ci(line, "NOOP")) {
      say("250 OK");
    } else {
      say("500 unknown command");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  mails_.push_back(std::move(mail));
}

}  // namespace tandem::test
