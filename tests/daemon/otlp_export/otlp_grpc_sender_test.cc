// The OTLP/gRPC exporter's pure parts: the endpoint forms it accepts and the HTTP answer each gRPC
// status code stands for (which the OtlpSender then retries, splits on or accepts).
#include "daemon/otlp_export/otlp_grpc_sender.h"

#include <gtest/gtest.h>

namespace xrayd::daemon::otlp_export {
namespace {

TEST(GrpcTargetTest, AcceptsHttpHttpsAndBareHostPort) {
  auto plain = ParseGrpcTarget("http://127.0.0.1:4317");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->address, "127.0.0.1:4317");
  EXPECT_FALSE(plain->tls);
  auto tls = ParseGrpcTarget("https://collector.example:443/");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->address, "collector.example:443");
  EXPECT_TRUE(tls->tls);
  auto bare = ParseGrpcTarget("[::1]:4317");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->address, "[::1]:4317");
  EXPECT_FALSE(bare->tls);
}

TEST(GrpcTargetTest, RefusesOtherForms) {
  for (const char* bad :
       {"", "ftp://h:1", "http://h", "h:", "h:99999", "h:12a", "http://h:1/v1", "[::1]", ":4317"}) {
    EXPECT_FALSE(ParseGrpcTarget(bad)) << bad;
  }
}

TEST(GrpcAnswerTest, StatusCodesMapToTheHttpAnswersTheSenderActsOn) {
  // grpc::StatusCode values.
  EXPECT_EQ(GrpcAnswerOf(0).http_status, 200);   // OK
  EXPECT_EQ(GrpcAnswerOf(14).http_status, 503);  // UNAVAILABLE: retried
  EXPECT_EQ(GrpcAnswerOf(10).http_status, 503);  // ABORTED: retried
  EXPECT_EQ(GrpcAnswerOf(8).http_status, 429);   // RESOURCE_EXHAUSTED: retried
  EXPECT_EQ(GrpcAnswerOf(3).http_status, 400);   // INVALID_ARGUMENT: split
  EXPECT_EQ(GrpcAnswerOf(9).http_status, 400);   // FAILED_PRECONDITION
  EXPECT_EQ(GrpcAnswerOf(11).http_status, 400);  // OUT_OF_RANGE
  EXPECT_EQ(GrpcAnswerOf(16).http_status, 401);  // UNAUTHENTICATED: retried
  EXPECT_EQ(GrpcAnswerOf(7).http_status, 403);   // PERMISSION_DENIED: retried
  EXPECT_EQ(GrpcAnswerOf(12).http_status, 501);  // UNIMPLEMENTED
  EXPECT_EQ(GrpcAnswerOf(13).http_status, 500);  // INTERNAL
  EXPECT_EQ(GrpcAnswerOf(2).http_status, 500);   // UNKNOWN
  EXPECT_EQ(GrpcAnswerOf(15).http_status, 500);  // DATA_LOSS
  EXPECT_EQ(GrpcAnswerOf(5).http_status, 404);   // NOT_FOUND: refused
  EXPECT_EQ(GrpcAnswerOf(6).http_status, 409);   // ALREADY_EXISTS: refused
  EXPECT_EQ(GrpcAnswerOf(1).http_status, 499);   // CANCELLED: refused
  EXPECT_EQ(GrpcAnswerOf(99).http_status, 500);  // Unknown to this build.
  for (int code : {0, 1, 2, 3, 5, 7, 8, 10, 14, 16}) {
    EXPECT_FALSE(GrpcAnswerOf(code).failure) << code;
  }
  // DEADLINE_EXCEEDED: a timeout, as the HTTP client reports one (retried).
  ASSERT_TRUE(GrpcAnswerOf(4).failure);
  EXPECT_EQ(*GrpcAnswerOf(4).failure, HttpErrorKind::kTimeout);
}

}  // namespace
}  // namespace xrayd::daemon::otlp_export
