#pragma once
// A response body written over time (server-sent events): a handler sets HttpResponse::stream;
// the HTTP server writes the status line and headers (no Content-Length, Connection: close),
// then hands the connection to the stream through an EventStreamWriter. No networking types:
// the stream's owner (e.g. the console's tail) decides what to write and when.

#include <memory>
#include <string>

namespace xrayd::daemon {

// The server's side of one streamed connection. Thread-safe: any thread may call it.
class EventStreamWriter {
 public:
  virtual ~EventStreamWriter() = default;
  // Queues `bytes` after what was queued before. Returns false (and drops them) when the
  // connection is closed or more than the server's limit is already queued, in which case the
  // server closes the connection.
  virtual bool Write(std::string bytes) = 0;
  // Closes the connection once what is queued was written (or at once if it cannot be).
  virtual void Close() = 0;
};

// The handler's side. Open and Closed are called on the server's threads (Closed also from
// HttpServer::Stop), each at most once; Closed without Open when the headers could not be
// written. The implementation must be thread-safe.
class EventStream {
 public:
  virtual ~EventStream() = default;
  // The headers were written; from now on `writer` writes the body.
  virtual void Open(std::shared_ptr<EventStreamWriter> writer) = 0;
  // The peer closed the connection, a write failed or timed out, or Close() completed. The
  // writer refuses further writes.
  virtual void Closed() = 0;
};

}  // namespace xrayd::daemon
