// Compression dictionaries through a real daemon (storage/document_dictionaries.h): the store
// trains one from the first documents the UDP receiver takes, and another when other services'
// documents follow (the receiver has released their text by then, so the writer samples its
// frames); xrayd_store_dictionaries counts them, and documents stored with either read back
// through BatchGetTraces as they were sent.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage/document_dictionaries.h"
#include "tests/integration/daemon_process_support.h"
#include "tests/integration/segment_sender_support.h"

namespace xrayd::testing_support {
namespace {

using nlohmann::json;

std::string Id(int i) {
  char text[17];
  std::snprintf(text, sizeof text, "%016x", i * 7919 + 1);
  return text;
}

// A checkout service's segment, as an SDK sends it.
json CheckoutSegment(int i) {
  const double start = Now();
  return {{"trace_id", TraceId(i)},
          {"id", Id(i)},
          {"name", i % 2 ? "checkout" : "inventory"},
          {"start_time", start},
          {"end_time", start + 0.05},
          {"http",
           {{"request", {{"method", "POST"}, {"url", "https://shop.example.com/api/cart"}}},
            {"response", {{"status", 200}}}}},
          {"annotations", {{"customer_tier", i % 3 ? "gold" : "silver"}}},
          {"aws", {{"ec2", {{"instance_id", "i-0abc" + std::to_string(i % 5)}}}}}};
}

// Another team's database worker: other names, keys and words.
json LedgerSegment(int i) {
  const double start = Now();
  return {{"trace_id", TraceId(i)},
          {"id", Id(i)},
          {"name", i % 2 ? "ledger-reconciliation-worker" : "kafka-consumer-orders"},
          {"origin", "AWS::ECS::Container"},
          {"start_time", start},
          {"end_time", start + 0.25},
          {"sql",
           {{"url", "postgresql://replica-" + std::to_string(i % 7) + ".ledger.internal/ledger"},
            {"database_type", "PostgreSQL"},
            {"sanitized_query", "SELECT balance, currency FROM accounts WHERE tenant_id = $1"}}},
          {"metadata",
           {{"messaging",
             {{"system", "kafka"},
              {"partition", i % 17},
              {"consumer_group", "ledger-reconciliation"}}}}},
          {"annotations", {{"tenant_partition", i % 17}, {"batch_kind", "settlement"}}}};
}

// Sends documents first..first+count-1 of `make` into `sent`, waiting after every 2,000 until they
// are stored (the socket buffer never overflows).
template <typename Make>
void SendStored(DaemonProcess& daemon, int first, int count, Make make, std::vector<json>& sent) {
  for (int i = first; i < first + count; ++i) {
    sent.push_back(make(i));
    SendDocument(daemon.UdpPort(), sent.back());
    if (sent.size() % 2000 == 0 || i + 1 == first + count) {
      const std::int64_t total = i + 1;
      ASSERT_GE(daemon.WaitForMetric("xrayd_segments_stored_total", total), total);
    }
  }
}

void ExpectReadBack(DaemonProcess& daemon, const json& doc) {
  HttpResult result =
      HttpPost(daemon.TcpPort(), "/Traces", json{{"TraceIds", {doc["trace_id"]}}}.dump());
  ASSERT_EQ(result.status, 200) << result.body;
  const json response = json::parse(result.body);
  ASSERT_EQ(response["Traces"].size(), 1u) << doc["trace_id"];
  EXPECT_EQ(json::parse(response["Traces"][0]["Segments"][0]["Document"].get<std::string>()), doc);
}

TEST(StoreDictionariesTest, OtherServicesDocumentsGetADictionaryOfTheirOwn) {
  const std::string dir = MakeTempDir("store-dictionaries");
  DaemonProcess daemon(dir + "/data", {"--retention-interval", "1s"});
  ASSERT_TRUE(daemon.Started());
  const int checkout =
      static_cast<int>(storage::kDictionarySamples + 2 * storage::kRetrainWindowDocuments + 500);
  std::vector<json> first;
  ASSERT_NO_FATAL_FAILURE(SendStored(daemon, 0, checkout, CheckoutSegment, first));
  ASSERT_GE(daemon.WaitForMetric("xrayd_store_dictionaries", 1), 1);
  // Two gauge refreshes after the last checkout document: still the one dictionary.
  const std::int64_t rounds = daemon.Metric("xrayd_retention_rounds_total");
  ASSERT_GE(daemon.WaitForMetric("xrayd_retention_rounds_total", rounds + 2), rounds + 2);
  EXPECT_EQ(daemon.Metric("xrayd_store_dictionaries"), 1);

  const int ledger =
      static_cast<int>(storage::kRetrainWindowDocuments + storage::kDictionarySamples + 2000);
  std::vector<json> second;
  ASSERT_NO_FATAL_FAILURE(SendStored(daemon, checkout, ledger, LedgerSegment, second));
  EXPECT_GE(daemon.WaitForMetric("xrayd_store_dictionaries", 2), 2);
  for (const std::vector<json>* docs : {&first, &second}) {
    for (std::size_t i = 0; i < docs->size(); i += docs->size() / 10) {
      ExpectReadBack(daemon, (*docs)[i]);
    }
    ExpectReadBack(daemon, docs->back());
  }
}

}  // namespace
}  // namespace xrayd::testing_support
