#pragma once
// OTLP/gRPC export (--otlp-protocol grpc): the sender of one forwarder thread is an OtlpSender
// (otlp_sender.h: the same conversion, partial-success counting, backoff and split on refusal)
// whose requests go to TraceService/Export on a gRPC channel instead of an HTTP POST. The
// serialized ExportTraceServiceRequest is sent gzip-compressed by gRPC, with the request timeout
// as deadline and the configured headers (names lower-cased) as metadata; the gRPC status comes
// back to the OtlpSender as the HTTP answer that it acts on (GrpcAnswerOf).
//
// Threads: as OtlpSender; each sender has its own channel.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/forward/batch_sender.h"
#include "daemon/net/http_client.h"
#include "daemon/otlp_export/export_metrics.h"
#include "daemon/otlp_export/otlp_sender.h"
#include "proto/clock.h"
#include "proto/result.h"

namespace xrayd::daemon::otlp_export {

// Where a gRPC channel connects: "host:port" and whether with TLS.
struct GrpcTarget {
  std::string address;
  bool tls = false;
};
// "http://host:port" and "host:port" are plain, "https://host:port" is TLS (a trailing "/" is
// allowed); kInvalidArgument for other schemes, a path, or no port.
[[nodiscard]] Result<GrpcTarget> ParseGrpcTarget(std::string_view endpoint);

// What an HTTP sender would have got for the gRPC status code `code` (grpc::StatusCode values):
// OK 200; UNAVAILABLE and ABORTED 503, RESOURCE_EXHAUSTED 429 (retried); DEADLINE_EXCEEDED the
// failure kTimeout (retried); INVALID_ARGUMENT, FAILED_PRECONDITION and OUT_OF_RANGE 400 (refused:
// split until the culprit is alone); UNAUTHENTICATED 401 and PERMISSION_DENIED 403 (retried);
// the others their usual HTTP status (UNKNOWN, INTERNAL, DATA_LOSS 500 and UNIMPLEMENTED 501
// retried; NOT_FOUND 404, ALREADY_EXISTS 409, CANCELLED 499 refused). Pure.
struct GrpcAnswer {
  int http_status = 0;                   // When there is no failure.
  std::optional<HttpErrorKind> failure;  // Set for a deadline exceeded.
};
GrpcAnswer GrpcAnswerOf(int code);

// The sender of one forwarder thread for `options` (protocol kGrpc; ValidateSenderOptions
// succeeded). `metrics` and `clock` must outlive it.
std::unique_ptr<BatchSender> MakeGrpcSender(const OtlpSenderOptions& options,
                                            ExportMetrics& metrics, const proto::Clock& clock,
                                            BatchSender::SleepFunction sleep, std::uint64_t seed);

}  // namespace xrayd::daemon::otlp_export
