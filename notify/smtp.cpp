// E-mail through Poco's SMTP client (see smtp.hpp). Poco's exceptions stop here and
// become errors that name the server.
#include "notify/smtp.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

namespace tandem {

TryOutcome send_mail(const SmtpConfig& smtp, const std::string& subject, const std::string& text,
                     std::chrono::milliseconds timeout) {
  std::string server = smtp.host + ":" + std::to_string(smtp.port);
  if (smtp.to.empty())
    return TryOutcome::failed(make_error("smtp_refused", "no recipients", "notify.smtp.to"), false);
  Poco::Timespan limit(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count());
  try {
    Poco::Net::MailMessage mail;
    mail.setSender(smtp.from);
    for (const auto& to : smtp.to)
      mail.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, to));
    mail.setSubject(Poco::Net::MailMessage::encodeWord(subject, "UTF-8"));
    mail.setContentType("text/plain; charset=UTF-8");
    mail.setContent(text, Poco::Net::MailMessage::ENCODING_8BIT);

    // Connect with our own deadline: SMTPClientSession(host, port) would wait for the
    // system's connect timeout (minutes) on an unreachable host.
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(smtp.host, smtp.port), limit);
    Poco::Net::SMTPClientSession session(socket);
    session.setTimeout(limit);
    try {
      session.login();  // EHLO, falling back to HELO
      session.sendMessage(mail);
    } catch (...) {
      try {
        session.close();  // QUIT, so the server does not keep a half-open transaction
      } catch (...) {
      }
      throw;
    }
    session.close();
    return TryOutcome::delivered();
  } catch (const Poco::Net::SMTPException& e) {
    // Poco carries the server's reply code as the exception's code.
    bool permanent = e.code() >= 500 && e.code() < 600;
    return TryOutcome::failed(make_error(permanent ? "smtp_refused" : "smtp_failed",
                                         e.displayText(), server),
                              !permanent);
  } catch (const Poco::Exception& e) {
    return TryOutcome::failed(make_error("smtp_failed", e.displayText(), server), true);
  } catch (const std::exception& e) {
    return TryOutcome::failed(make_error("smtp_failed", e.what(), server), true);
  }
}

}  // namespace tandem
