#include "daemon/ingest/datagram_processor.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "proto/datagram.h"

namespace xrayd::daemon {

namespace {
constexpr std::chrono::seconds kLogInterval{10};
// LogLimiter keys: rejection reasons use their enum value; these follow them.
constexpr std::uint64_t kQueueFullKey = 1000;
constexpr std::uint64_t kUnindexedKey = 1001;

std::string Suppressed(std::uint64_t n) {
  return n == 0 ? std::string() : " (" + std::to_string(n) + " more since the last report)";
}
}  // namespace

DatagramProcessor::DatagramProcessor(Metrics& metrics, const proto::Clock& clock)
    : metrics_(metrics), clock_(clock), limiter_(kLogInterval) {}

std::string PeerName(const sockaddr_storage* peer) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (peer != nullptr && peer->ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (peer != nullptr && peer->ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
  }
  return "unknown";
}

void DatagramProcessor::Process(std::string_view bytes, bool truncated,
                                const sockaddr_storage* peer, IngestBatch& out) noexcept {
  metrics_.datagrams_received.fetch_add(1, std::memory_order_relaxed);
  if (truncated) {
    proto::Rejection rejection{
        proto::RejectReason::kOversize,
        "datagram larger than " + std::to_string(proto::kMaxDatagramSize) + " bytes"};
    metrics_.CountRejected(rejection.reason);
    LogRejection(rejection, peer);
    return;
  }
  auto datagram = proto::ParseDatagram(bytes);
  if (!datagram) {
    metrics_.CountRejected(datagram.error().reason);
    LogRejection(datagram.error(), peer);
    return;
  }
  auto documents = decoder_.Decode(datagram->body);
  if (!documents) {
    metrics_.CountRejected(documents.error().reason);
    LogRejection(documents.error(), peer);
    return;
  }
  metrics_.segments_accepted.fetch_add(documents->size(), std::memory_order_relaxed);
  for (proto::Document& doc : *documents) {
    if (doc.unindexed_annotations > 0) {
      metrics_.annotations_unindexed.fetch_add(doc.unindexed_annotations,
                                               std::memory_order_relaxed);
      if (auto suppressed = limiter_.Admit(kUnindexedKey, clock_.SteadyNow())) {
        spdlog::warn(
            "trace {} segment {}: {} annotation(s) kept in the document but not indexed (keys "
            "must match [A-Za-z0-9_]{{1,500}}, values string/number/boolean){}",
            doc.trace_id, doc.id, doc.unindexed_annotations, Suppressed(*suppressed));
      }
    }
    out.documents.push_back(std::move(doc));
  }
}

void DatagramProcessor::CountQueueFull(std::size_t documents) noexcept {
  metrics_.CountDropped(DropReason::kQueueFull, documents);
  if (auto suppressed = limiter_.Admit(kQueueFullKey, clock_.SteadyNow())) {
    spdlog::warn("ingest queue full: dropped {} document(s); storage is not keeping up{}",
                 documents, Suppressed(*suppressed));
  }
}

void DatagramProcessor::LogRejection(const proto::Rejection& rejection,
                                     const sockaddr_storage* peer) {
  const auto key = static_cast<std::uint64_t>(rejection.reason);
  if (auto suppressed = limiter_.Admit(key, clock_.SteadyNow())) {
    spdlog::warn("rejected datagram from {}: {}: {}{}", PeerName(peer),
                 proto::RejectReasonName(rejection.reason), rejection.detail,
                 Suppressed(*suppressed));
  }
}

}  // namespace xrayd::daemon
