// OtlpSender against a fake send function: bodies and headers, retries, refusals, signing.
#include "daemon/otlp_export/otlp_sender.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/aws/sigv4.h"
#include "daemon/otlp/otlp_decode.h"

namespace xrayd::daemon::otlp_export {
namespace {

std::string Doc(const std::string& id, bool in_progress = false) {
  nlohmann::json doc = {{"trace_id", "1-5759e988-bd862e3fe1be46a994272793"},
                        {"id", id},
                        {"name", "checkout"},
                        {"start_time", 1478293361.271}};
  if (in_progress) {
    doc["in_progress"] = true;
  } else {
    doc["end_time"] = 1478293361.449;
  }
  return doc.dump();
}

class OtlpSenderTest : public ::testing::Test {
 protected:
  OtlpSender Make(OtlpSenderOptions options) {
    options.backoff_initial = std::chrono::milliseconds(10);
    options.backoff_max = std::chrono::milliseconds(40);
    return OtlpSender(
        std::move(options), metrics_, clock_,
        [this](const ClientRequest& request) -> HttpResult<ClientResponse> {
          requests_.push_back(request);
          if (!answers_.empty()) {
            auto answer = answers_.front();
            answers_.erase(answers_.begin());
            return answer;
          }
          return ClientResponse{.status = 200};
        },
        [this](std::chrono::milliseconds d) {
          sleeps_.push_back(d);
          return !stopping_;
        },
        7);
  }
  static OtlpSenderOptions Options() {
    OtlpSenderOptions options;
    options.url = "http://127.0.0.1:4318/v1/traces";
    return options;
  }
  // The spans of request `i` decoded by xrayd's own OTLP receiver decoders.
  ExportRequest Decoded(std::size_t i, bool json) {
    const ClientRequest& r = requests_.at(i);
    auto body = otlp::Gunzip(r.body, 1u << 24);
    EXPECT_TRUE(body.has_value());
    auto decoded = json ? otlp::DecodeJson(*body) : otlp::DecodeProtobuf(*body);
    EXPECT_TRUE(decoded.has_value());
    return decoded ? *decoded : ExportRequest();
  }
  static std::string Header(const ClientRequest& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (HeaderNameEquals(k, name)) {
        return v;
      }
    }
    return "<absent>";
  }

  ExportMetrics metrics_;
  proto::FakeClock clock_;
  std::vector<ClientRequest> requests_;
  std::vector<HttpResult<ClientResponse>> answers_;
  std::vector<std::chrono::milliseconds> sleeps_;
  bool stopping_ = false;
};

TEST_F(OtlpSenderTest, PostsGzippedProtobufWithHeaders) {
  OtlpSenderOptions options = Options();
  options.headers = {{"x-api-key", "k1"}};
  OtlpSender sender = Make(options);
  const std::string a = Doc("70de5b6f19ff9a0a");
  const std::string b = Doc("1111111111111111");
  ASSERT_TRUE(sender.SendBatch({a, b}));
  ASSERT_EQ(requests_.size(), 1u);
  EXPECT_EQ(requests_[0].method, "POST");
  EXPECT_EQ(requests_[0].url, "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(Header(requests_[0], "content-type"), "application/x-protobuf");
  EXPECT_EQ(Header(requests_[0], "content-encoding"), "gzip");
  EXPECT_EQ(Header(requests_[0], "x-api-key"), "k1");
  EXPECT_EQ(Header(requests_[0], "authorization"), "<absent>");
  const ExportRequest decoded = Decoded(0, false);
  ASSERT_EQ(decoded.resource_spans_size(), 2);
  EXPECT_EQ(decoded.resource_spans(1).scope_spans(0).spans(0).name(), "checkout");
  EXPECT_EQ(metrics_.spool.forwarded.load(), 2u);
  EXPECT_EQ(metrics_.spans_sent.load(), 2u);
  EXPECT_EQ(metrics_.spool.requests.load(), 1u);
}

TEST_F(OtlpSenderTest, JsonProtocolIsDecodedByTheReceiver) {
  OtlpSenderOptions options = Options();
  options.protocol = OtlpProtocol::kHttpJson;
  OtlpSender sender = Make(options);
  const std::string a = Doc("70de5b6f19ff9a0a");
  ASSERT_TRUE(sender.SendBatch({a}));
  EXPECT_EQ(Header(requests_.at(0), "content-type"), "application/json");
  const ExportRequest decoded = Decoded(0, true);
  ASSERT_EQ(decoded.resource_spans_size(), 1);
  ExportRequest direct;
  std::size_t spans = 0;
  ASSERT_EQ(AppendDocument(a, direct, spans), DocumentOutcome::kConverted);
  EXPECT_EQ(decoded.SerializeAsString(), direct.SerializeAsString());
}

TEST_F(OtlpSenderTest, RetriesUnavailableAndNetworkFailuresThenSucceeds) {
  answers_.push_back(ClientResponse{.status = 503, .headers = {{"Retry-After", "1"}}});
  answers_.push_back(MakeHttpError(HttpErrorKind::kRefused, ErrorCode::kIOError, "refused"));
  answers_.push_back(ClientResponse{.status = 429});
  OtlpSender sender = Make(Options());
  const std::string a = Doc("70de5b6f19ff9a0a");
  ASSERT_TRUE(sender.SendBatch({a}));
  EXPECT_EQ(requests_.size(), 4u);
  EXPECT_EQ(metrics_.spool.retried.load(), 3u);
  EXPECT_EQ(metrics_.spool.forwarded.load(), 1u);
  EXPECT_EQ(metrics_.spool.errors[static_cast<int>(ForwardErrorKind::kHttp5xx)].load(), 1u);
  EXPECT_EQ(metrics_.spool.errors[static_cast<int>(ForwardErrorKind::kRefused)].load(), 1u);
  EXPECT_EQ(metrics_.spool.errors[static_cast<int>(ForwardErrorKind::kHttp4xx)].load(), 1u);
  // Retry-After: 1 is capped at backoff_max.
  bool capped = false;
  for (auto d : sleeps_) {
    capped = capped || d == std::chrono::milliseconds(40);
  }
  EXPECT_TRUE(capped);
}

TEST_F(OtlpSenderTest, StoppingLeavesTheBatchSpooled) {
  answers_.push_back(ClientResponse{.status = 503});
  OtlpSender sender = Make(Options());
  stopping_ = true;
  const std::string a = Doc("70de5b6f19ff9a0a");
  EXPECT_FALSE(sender.SendBatch({a}));
  EXPECT_EQ(metrics_.spool.forwarded.load(), 0u);
}

TEST_F(OtlpSenderTest, BadRequestIsHalvedUntilTheCulpritIsAlone) {
  answers_.push_back(ClientResponse{.status = 400});  // Both.
  answers_.push_back(ClientResponse{.status = 400});  // The first alone: refused for good.
  OtlpSender sender = Make(Options());
  const std::string a = Doc("70de5b6f19ff9a0a");
  const std::string b = Doc("1111111111111111");
  ASSERT_TRUE(sender.SendBatch({a, b}));
  EXPECT_EQ(requests_.size(), 3u);
  EXPECT_EQ(metrics_.spool.unprocessed.load(), 1u);
  EXPECT_EQ(metrics_.spool.forwarded.load(), 1u);
}

TEST_F(OtlpSenderTest, InProgressAndInvalidDocumentsAreCountedNotSent) {
  OtlpSender sender = Make(Options());
  const std::string open = Doc("70de5b6f19ff9a0a", /*in_progress=*/true);
  const std::string bad = "{\"id\":1}";
  ASSERT_TRUE(sender.SendBatch({open, bad}));
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(metrics_.skipped_in_progress.load(), 1u);
  EXPECT_EQ(metrics_.dropped_invalid.load(), 1u);
}

TEST_F(OtlpSenderTest, PartialSuccessCountsRejectedSpans) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse response;
  response.mutable_partial_success()->set_rejected_spans(1);
  response.mutable_partial_success()->set_error_message("span 1: invalid");
  answers_.push_back(ClientResponse{.status = 200, .body = response.SerializeAsString()});
  OtlpSender sender = Make(Options());
  const std::string a = Doc("70de5b6f19ff9a0a");
  const std::string b = Doc("1111111111111111");
  ASSERT_TRUE(sender.SendBatch({a, b}));
  EXPECT_EQ(metrics_.spans_rejected.load(), 1u);
  EXPECT_EQ(metrics_.spans_sent.load(), 1u);
}

TEST_F(OtlpSenderTest, SigV4SignsForServiceXray) {
  auto credentials = MakeStaticCredentials(
      AwsCredentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"});
  OtlpSenderOptions options = Options();
  options.url = "https://xray.eu-west-1.amazonaws.com/v1/traces";
  options.sigv4 = true;
  options.region = "eu-west-1";
  options.credentials = credentials.get();
  ASSERT_TRUE(ValidateSenderOptions(options));
  OtlpSender sender = Make(options);
  const std::string a = Doc("70de5b6f19ff9a0a");
  ASSERT_TRUE(sender.SendBatch({a}));
  auto parsed = ParseAuthorization(Header(requests_.at(0), "authorization"));
  ASSERT_TRUE(parsed) << Header(requests_.at(0), "authorization");
  EXPECT_EQ(parsed->service, "xray");
  EXPECT_EQ(parsed->region, "eu-west-1");
  EXPECT_EQ(parsed->access_key_id, "AKIDEXAMPLE");
  // The signature covers the body as sent (gzipped) and the content headers.
  VerifyRequest verify;
  verify.method = "POST";
  verify.path = "/v1/traces";
  verify.headers = {requests_[0].headers.begin(), requests_[0].headers.end()};
  verify.body = requests_[0].body;
  auto verified = VerifySignature(
      verify,
      [](std::string_view id) -> std::optional<std::string> {
        return id == "AKIDEXAMPLE" ? std::optional<std::string>("secret") : std::nullopt;
      },
      clock_.WallNow());
  EXPECT_TRUE(verified) << verified.error().message;
  EXPECT_NE(
      std::find(parsed->signed_headers.begin(), parsed->signed_headers.end(), "content-encoding"),
      parsed->signed_headers.end());
}

TEST_F(OtlpSenderTest, SigningNeedsRegionAndCredentials) {
  OtlpSenderOptions options = Options();
  options.sigv4 = true;
  EXPECT_FALSE(ValidateSenderOptions(options));
  options.url = "ftp://x";
  options.sigv4 = false;
  EXPECT_FALSE(ValidateSenderOptions(options));
}

}  // namespace
}  // namespace xrayd::daemon::otlp_export
