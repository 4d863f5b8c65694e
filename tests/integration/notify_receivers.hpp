// The far ends of notifications, run inside a test on 127.0.0.1: a webhook receiver (a
// Poco HTTPServer) and an SMTP sink (a small TCP server speaking just enough SMTP). Both
// pick a free port themselves (bind to port 0) and record what arrives, thread-safely.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tandem::test {

struct ReceivedPost {
  std::string path;
  std::string content_type;
  std::string body;
  int answered = 0;  // the status the receiver answered with
};

class WebhookReceiver {
 public:
  // The first `failures` POSTs are answered `failure_status`, later ones 200.
  explicit WebhookReceiver(int failures = 0, int failure_status = 503);
  ~WebhookReceiver();

  std::string url(const std::string& path = "/hook") const;
  std::vector<ReceivedPost> posts() const;
  // Waits until `n` POSTs arrived; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;
  // From now on every POST is answered 200 (a receiver that came back).
  void accept_all();
  // How many POSTs were answered `status` so far.
  std::size_t answered(int status) const;

  struct Shared {
    std::mutex mu;
    std::vector<ReceivedPost> posts;
    int failures = 0;
    int failure_status = 503;
  };

 private:
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

struct ReceivedMail {
  std::string helo;             // the EHLO/HELO line
  std::string from;             // MAIL FROM:<...> argument
  std::vector<std::string> to;  // every accepted RCPT TO:<...> argument
  std::string data;             // headers and body, dot-unstuffed
  bool quit = false;            // the client said QUIT
};

class SmtpSink {
 public:
  // `reject_recipients`: answer every RCPT TO with 550 (a permanent refusal).
  explicit SmtpSink(bool reject_recipients = false);
  ~SmtpSink();

  int port() const { return port_; }
  std::vector<ReceivedMail> mails() const;
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  void serve();
  void converse(Poco::Net::StreamSocket& client);

  bool reject_recipients_;
  Poco::Net::ServerSocket socket_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<ReceivedMail> mails_;
  std::thread thread_;
};

}  // namespace tandem::test
