#include "proto/document.h"

namespace xrayd::proto {
namespace {

// glibc malloc's per-chunk header and rounding, on average.
constexpr std::size_t kAllocationOverhead = 16;

// Heap bytes of a string: none while it fits in the object (short-string optimization).
std::size_t HeapOf(const std::string& s) noexcept {
  return s.capacity() > 15 ? s.capacity() + 1 + kAllocationOverhead : 0;
}

std::size_t HeapOf(const std::optional<std::string>& s) noexcept {
  return s ? HeapOf(*s) : 0;
}

template <typename T>
std::size_t VectorHeap(const std::vector<T>& v) noexcept {
  return v.capacity() == 0 ? 0 : v.capacity() * sizeof(T) + kAllocationOverhead;
}

std::size_t FactsMemory(const SummaryFacts& facts) noexcept {
  std::size_t bytes = HeapOf(facts.http_url) + HeapOf(facts.http_method) +
                      HeapOf(facts.http_user_agent) + HeapOf(facts.http_client_ip) +
                      HeapOf(facts.user) + HeapOf(facts.resource_arn) + HeapOf(facts.instance_id) +
                      HeapOf(facts.availability_zone) + VectorHeap(facts.embedded_ids) +
                      VectorHeap(facts.remote_calls);
  for (const RemoteCall& call : facts.remote_calls) {
    bytes += HeapOf(call.service);
  }
  return bytes;
}

}  // namespace

std::size_t ApproximateMemory(const DocumentSummaryInput& input) noexcept {
  return sizeof(DocumentSummaryInput) + HeapOf(input.name) + FactsMemory(input.facts);
}

DocumentSummaryInput KeepSummaryInput(const Document& doc) {
  return DocumentSummaryInput{SummaryBasicsOf(doc), doc.name, *doc.summary_facts};
}

}  // namespace xrayd::proto
