// SegmentSender against a FakeHttpServer on 127.0.0.1 playing X-Ray (or an injected send function
// for transport failures): signing, the answer's classification, retries and backoff, unprocessed
// documents, halving a refused batch, stopping. Sleeps are recorded, never slept.
#include "daemon/forward/segment_sender.h"

#include <atomic>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/fake_http_server_support.h"

namespace xrayd::daemon {
namespace {

using std::chrono::milliseconds;

std::string Doc(const std::string& id) {
  return R"({"trace_id":"1-5759e988-bd862e3fe1be46a994272793","id":")" + id +
         R"(","name":"svc","start_time":1,"end_time":2})";
}

// The ids of the documents of a PutTraceSegments body.
std::vector<std::string> IdsOf(const std::string& body) {
  std::vector<std::string> ids;
  const auto json = nlohmann::json::parse(body, nullptr, false);
  for (const auto& doc : json["TraceSegmentDocuments"]) {
    ids.push_back(nlohmann::json::parse(doc.get<std::string>())["id"].get<std::string>());
  }
  return ids;
}

class SegmentSenderTest : public ::testing::Test {
 protected:
  SegmentSenderTest()
      : credentials_(MakeStaticCredentials(
            AwsCredentials{.access_key_id = "AKIDEXAMPLE", .secret_access_key = "secret"})) {}

  // A sender to `url` whose sleeps are recorded; it stops at the sleep after `stop_after` ones.
  SegmentSender Make(const std::string& url, SegmentSender::SendFunction send = nullptr) {
    auto target = XrayTargetFor(url);
    EXPECT_TRUE(target) << target.error().message;
    SenderOptions options{.target = *target,
                          .region = "us-east-1",
                          .request_timeout = milliseconds(2000),
                          .backoff_initial = milliseconds(200),
                          .backoff_max = milliseconds(1000),
                          .unprocessed_max_attempts = 3};
    if (!send) {
      send = [this](const ClientRequest& r) { return client_.Send(r); };
    }
    return SegmentSender(
        options, *credentials_, metrics_, clock_, std::move(send),
        [this](milliseconds d) {
          if (d.count() > 0) {
            sleeps_.push_back(d);
          }
          return static_cast<int>(sleeps_.size()) <= stop_after_;
        },
        /*seed=*/42);
  }

  std::unique_ptr<CredentialsProvider> credentials_;
  ForwardMetrics metrics_;
  proto::FakeClock clock_{1'700'000'000.0};  // 2023-11-14T22:13:20Z.
  HttpClient client_;
  std::vector<milliseconds> sleeps_;
  int stop_after_ = 1000;
};

TEST_F(SegmentSenderTest, SendsASignedBatchAndCountsItAccepted) {
  FakeHttpServer xray([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {200, {}, R"({"UnprocessedTraceSegments":[]})"};
  });
  SegmentSender sender = Make(xray.Url());
  const std::string a = Doc("0000000000000001");
  const std::string b = Doc("0000000000000002");
  EXPECT_TRUE(sender.SendBatch({a, b}));
  const auto seen = xray.Requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/TraceSegments");
  EXPECT_EQ(seen[0].Header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 0),
            0u);
  EXPECT_NE(seen[0].Header("authorization").find("/20231114/us-east-1/xray/aws4_request"),
            std::string::npos);
  EXPECT_EQ(seen[0].Header("x-amz-date"), "20231114T221320Z");  // The sender's clock.
  EXPECT_EQ(IdsOf(seen[0].body),
            (std::vector<std::string>{"0000000000000001", "0000000000000002"}));
  EXPECT_EQ(metrics_.forwarded.load(), 2u);
  EXPECT_EQ(metrics_.requests.load(), 1u);
  EXPECT_EQ(metrics_.retried.load(), 0u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(SegmentSenderTest, RetriesServerErrorsAndThrottlingWithGrowingJitteredBackoff) {
  std::atomic<int> calls{0};
  FakeHttpServer xray([&](const FakeHttpRequest&) -> FakeHttpResponse {
    const int n = calls.fetch_add(1);
    if (n == 0) {
      return {500, {}, "{}"};
    }
    if (n == 1) {
      return {400, {{"x-amzn-ErrorType", "ThrottlingException"}}, "{}"};
    }
    if (n == 2) {
      return {429, {}, "{}"};
    }
    return {200, {}, "{}"};
  });
  SegmentSender sender = Make(xray.Url());
  const std::string a = Doc("0000000000000001");
  EXPECT_TRUE(sender.SendBatch({a}));
  EXPECT_EQ(calls.load(), 4);
  EXPECT_EQ(metrics_.forwarded.load(), 1u);
  EXPECT_EQ(metrics_.retried.load(), 3u);
  EXPECT_EQ(metrics_.errors[static_cast<int>(ForwardErrorKind::kHttp5xx)].load(), 1u);
  EXPECT_EQ(metrics_.errors[static_cast<int>(ForwardErrorKind::kHttp4xx)].load(), 2u);
  // Attempt k waits in [d/2, d] with d = 200 ms * 2^k, capped at 1000 ms.
  ASSERT_EQ(sleeps_.size(), 3u);
  const int caps[] = {200, 400, 800};
  for (int k = 0; k < 3; ++k) {
    EXPECT_GE(sleeps_[k].count(), caps[k] / 2) << k;
    EXPECT_LE(sleeps_[k].count(), caps[k]) << k;
  }
}

TEST_F(SegmentSenderTest, TransportFailuresAreRetriedAndCountedByKind) {
  int calls = 0;
  FakeHttpServer xray([](const FakeHttpRequest&) -> FakeHttpResponse { return {200, {}, "{}"}; });
  SegmentSender sender =
      Make(xray.Url(), [&](const ClientRequest& r) -> HttpResult<ClientResponse> {
        if (++calls <= 2) {
          return MakeHttpError(calls == 1 ? HttpErrorKind::kRefused : HttpErrorKind::kTimeout,
                               ErrorCode::kIOError, "POST " + r.url + ": down");
        }
        return client_.Send(r);
      });
  const std::string a = Doc("0000000000000001");
  EXPECT_TRUE(sender.SendBatch({a}));
  EXPECT_EQ(metrics_.errors[static_cast<int>(ForwardErrorKind::kRefused)].load(), 1u);
  EXPECT_EQ(metrics_.errors[static_cast<int>(ForwardErrorKind::kTimeout)].load(), 1u);
  EXPECT_EQ(metrics_.forwarded.load(), 1u);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(SegmentSenderTest, UnprocessedDocumentsAreRetriedAloneOrRefused) {
  std::atomic<int> calls{0};
  FakeHttpServer xray([&](const FakeHttpRequest& r) -> FakeHttpResponse {
    calls.fetch_add(1);
    const auto ids = IdsOf(r.body);
    if (ids.size() == 3) {
      return {200,
              {},
              R"({"UnprocessedTraceSegments":[
                 {"Id":"0000000000000002","ErrorCode":"ThrottledException","Message":"slow down"},
                 {"Id":"0000000000000003","ErrorCode":"InvalidTraceId","Message":"bad"}]})"};
    }
    return {200, {}, "{}"};  // The retried document alone is accepted.
  });
  SegmentSender sender = Make(xray.Url());
  const std::string a = Doc("0000000000000001");
  const std::string b = Doc("0000000000000002");
  const std::string c = Doc("0000000000000003");
  EXPECT_TRUE(sender.SendBatch({a, b, c}));
  const auto seen = xray.Requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(IdsOf(seen[1].body), std::vector<std::string>{"0000000000000002"});
  EXPECT_EQ(metrics_.forwarded.load(), 2u);    // 1 in the batch, 2 alone.
  EXPECT_EQ(metrics_.unprocessed.load(), 1u);  // 3, refused for good.
  EXPECT_EQ(sleeps_.size(), 1u);               // Before the one-by-one retry.
}

TEST_F(SegmentSenderTest, AnUnprocessedDocumentIsRefusedAfterItsAttempts) {
  FakeHttpServer xray([](const FakeHttpRequest&) -> FakeHttpResponse {
    return {
        200,
        {},
        R"({"UnprocessedTraceSegments":[{"Id":"0000000000000001","ErrorCode":"ThrottledException"}]})"};
  });
  SegmentSender sender = Make(xray.Url());
  const std::string a = Doc("0000000000000001");
  EXPECT_TRUE(sender.SendBatch({a}));
  EXPECT_EQ(xray.Requests().size(), 4u);  // The batch, then unprocessed_max_attempts alone.
  EXPECT_EQ(metrics_.unprocessed.load(), 1u);
  EXPECT_EQ(metrics_.forwarded.load(), 0u);
}

TEST_F(SegmentSenderTest, ARefusedBatchIsHalvedUntilTheCulpritIsAlone) {
  const std::string bad = "0000000000000003";
  FakeHttpServer xray([&](const FakeHttpRequest& r) -> FakeHttpResponse {
    for (const std::string& id : IdsOf(r.body)) {
      if (id == bad) {
        return {400, {{"x-amzn-ErrorType", "InvalidRequestException"}}, "{}"};
      }
    }
    return {200, {}, "{}"};
  });
  SegmentSender sender = Make(xray.Url());
  std::vector<std::string> docs;
  for (int i = 1; i <= 4; ++i) {
    docs.push_back(Doc("000000000000000" + std::to_string(i)));
  }
  EXPECT_TRUE(sender.SendBatch({docs[0], docs[1], docs[2], docs[3]}));
  // [1 2 3 4] refused -> [1 2] accepted, [3 4] refused -> [3] refused alone, [4] accepted.
  EXPECT_EQ(xray.Requests().size(), 5u);
  EXPECT_EQ(metrics_.forwarded.load(), 3u);
  EXPECT_EQ(metrics_.unprocessed.load(), 1u);
  EXPECT_TRUE(sleeps_.empty());  // Refusals are not retried.
}

TEST_F(SegmentSenderTest, StoppingLeavesTheBatchUndone) {
  FakeHttpServer xray([](const FakeHttpRequest&) -> FakeHttpResponse { return {503, {}, "{}"}; });
  stop_after_ = 1;
  SegmentSender sender = Make(xray.Url());
  const std::string a = Doc("0000000000000001");
  EXPECT_FALSE(sender.SendBatch({a}));
  EXPECT_EQ(xray.Requests().size(), 2u);
  EXPECT_EQ(metrics_.forwarded.load(), 0u);
  EXPECT_EQ(metrics_.unprocessed.load(), 0u);
}

TEST(XrayTargetTest, PutUrlAndHostOfAnEndpoint) {
  auto target = XrayTargetFor("https://xray.eu-west-1.amazonaws.com/");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->put_url, "https://xray.eu-west-1.amazonaws.com/TraceSegments");
  EXPECT_EQ(target->host, "xray.eu-west-1.amazonaws.com");
  target = XrayTargetFor("http://127.0.0.1:8080");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->host, "127.0.0.1:8080");
  EXPECT_EQ(XrayTargetFor("xray.local").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace xrayd::daemon
