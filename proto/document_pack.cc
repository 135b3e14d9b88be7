#include "proto/document_pack.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace xrayd::proto {
namespace {

// Every member of Document and SummaryFacts is written below; a member added to either must be
// added here too (the sizes catch most additions, the round-trip test compares every member).
static_assert(sizeof(Document) == 672, "Document changed: update PackDocuments/UnpackDocuments");
static_assert(sizeof(SummaryFacts) == 392,
              "SummaryFacts changed: update PackDocuments/UnpackDocuments");

// Flags of a document's first byte after its kind.
enum Flag : std::uint8_t {
  kInProgress = 1 << 0,
  kError = 1 << 1,
  kFault = 1 << 2,
  kThrottle = 1 << 3,
  kHasEndTime = 1 << 4,
  kHasFacts = 1 << 5,
};

// Sinks for the Pack* functions below: Packer appends the bytes, SizeCounter only counts them, so
// that the size a batch will take is known before it is packed.
class SizeCounter {
 public:
  template <typename T>
  void Put(T) {
    size_ += sizeof(T);
  }
  void PutString(std::string_view s) { size_ += sizeof(std::uint32_t) + s.size(); }
  void PutOptionalString(const std::optional<std::string>& s) {
    size_ += 1;
    if (s) {
      PutString(*s);
    }
  }
  std::size_t size() const { return size_; }

 private:
  std::size_t size_ = 0;
};

class Packer {
 public:
  explicit Packer(std::string& out) : out_(out) {}

  template <typename T>
  void Put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }

  void PutString(std::string_view s) {
    Put(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }

  void PutOptionalString(const std::optional<std::string>& s) {
    Put(static_cast<std::uint8_t>(s.has_value()));
    if (s) {
      PutString(*s);
    }
  }

 private:
  std::string& out_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}

  bool AtEnd() const { return in_.empty(); }

  template <typename T>
  bool Get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() < sizeof(T)) {
      return false;
    }
    std::memcpy(&value, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }

  // Assigns into `s`, keeping its buffer when it is large enough.
  bool GetString(std::string& s) {
    std::uint32_t size = 0;
    if (!Get(size) || in_.size() < size) {
      return false;
    }
    s.assign(in_.data(), size);
    in_.remove_prefix(size);
    return true;
  }

  bool GetOptionalString(std::optional<std::string>& s) {
    std::uint8_t present = 0;
    if (!Get(present)) {
      return false;
    }
    if (present == 0) {
      s.reset();
      return true;
    }
    if (!s) {
      s.emplace();
    }
    return GetString(*s);
  }

  bool GetCount(std::uint32_t& count, std::size_t min_element_size) {
    return Get(count) && in_.size() / min_element_size >= count;
  }

 private:
  std::string_view in_;
};

template <typename Sink>
void PackFacts(const SummaryFacts& facts, Sink& p) {
  p.PutOptionalString(facts.http_url);
  p.PutOptionalString(facts.http_method);
  p.PutOptionalString(facts.http_user_agent);
  p.PutOptionalString(facts.http_client_ip);
  p.Put(static_cast<std::uint8_t>(facts.http_status.has_value()));
  p.Put(facts.http_status.value_or(0));
  p.PutOptionalString(facts.user);
  p.PutOptionalString(facts.resource_arn);
  p.PutOptionalString(facts.instance_id);
  p.PutOptionalString(facts.availability_zone);
  p.Put(facts.id);
  p.Put(facts.parent_id);
  p.Put(static_cast<std::uint32_t>(facts.embedded_ids.size()));
  for (std::uint64_t id : facts.embedded_ids) {
    p.Put(id);
  }
  p.Put(static_cast<std::uint32_t>(facts.remote_calls.size()));
  for (const RemoteCall& call : facts.remote_calls) {
    p.Put(call.id);
    p.PutString(call.service);
  }
}

bool UnpackFacts(Unpacker& u, SummaryFacts& facts) {
  std::uint8_t has_status = 0;
  int status = 0;
  if (!u.GetOptionalString(facts.http_url) || !u.GetOptionalString(facts.http_method) ||
      !u.GetOptionalString(facts.http_user_agent) || !u.GetOptionalString(facts.http_client_ip) ||
      !u.Get(has_status) || !u.Get(status) || !u.GetOptionalString(facts.user) ||
      !u.GetOptionalString(facts.resource_arn) || !u.GetOptionalString(facts.instance_id) ||
      !u.GetOptionalString(facts.availability_zone) || !u.Get(facts.id) ||
      !u.Get(facts.parent_id)) {
    return false;
  }
  facts.http_status = has_status != 0 ? std::optional<int>(status) : std::nullopt;
  std::uint32_t count = 0;
  if (!u.GetCount(count, sizeof(std::uint64_t))) {
    return false;
  }
  facts.embedded_ids.resize(count);
  for (std::uint64_t& id : facts.embedded_ids) {
    if (!u.Get(id)) {
      return false;
    }
  }
  if (!u.GetCount(count, sizeof(std::uint64_t) + sizeof(std::uint32_t))) {
    return false;
  }
  facts.remote_calls.resize(count);
  for (RemoteCall& call : facts.remote_calls) {
    if (!u.Get(call.id) || !u.GetString(call.service)) {
      return false;
    }
  }
  return true;
}

template <typename Sink>
void PackAnnotation(const Annotation& annotation, Sink& p) {
  p.PutString(annotation.key);
  p.Put(static_cast<std::uint8_t>(annotation.value.type));
  switch (annotation.value.type) {
    case AnnotationValue::Type::kString:
      p.PutString(annotation.value.string_value);
      break;
    case AnnotationValue::Type::kNumber:
      p.Put(annotation.value.number_value);
      break;
    case AnnotationValue::Type::kBool:
      p.Put(static_cast<std::uint8_t>(annotation.value.bool_value));
      break;
  }
}

// Only the member of the value's type is packed; the others are reset to their defaults, as the
// decoder leaves them.
bool UnpackAnnotation(Unpacker& u, Annotation& annotation) {
  std::uint8_t type = 0;
  if (!u.GetString(annotation.key) || !u.Get(type)) {
    return false;
  }
  AnnotationValue& value = annotation.value;
  value.string_value.clear();
  value.number_value = 0;
  value.bool_value = false;
  switch (type) {
    case static_cast<std::uint8_t>(AnnotationValue::Type::kString):
      value.type = AnnotationValue::Type::kString;
      return u.GetString(value.string_value);
    case static_cast<std::uint8_t>(AnnotationValue::Type::kNumber):
      value.type = AnnotationValue::Type::kNumber;
      return u.Get(value.number_value);
    case static_cast<std::uint8_t>(AnnotationValue::Type::kBool): {
      value.type = AnnotationValue::Type::kBool;
      std::uint8_t b = 0;
      if (!u.Get(b)) {
        return false;
      }
      value.bool_value = b != 0;
      return true;
    }
    default:
      return false;
  }
}

template <typename Sink>
void PackDocument(const Document& doc, Sink& p) {
  std::uint8_t flags = 0;
  flags |= doc.in_progress ? kInProgress : 0;
  flags |= doc.error ? kError : 0;
  flags |= doc.fault ? kFault : 0;
  flags |= doc.throttle ? kThrottle : 0;
  flags |= doc.end_time ? kHasEndTime : 0;
  flags |= doc.summary_facts ? kHasFacts : 0;
  p.Put(static_cast<std::uint8_t>(doc.kind));
  p.Put(flags);
  p.Put(doc.start_time);
  p.Put(doc.end_time.value_or(0));
  p.Put(doc.unindexed_annotations);
  p.Put(doc.embedded_subsegments);
  p.Put(static_cast<std::uint64_t>(doc.released_raw_size));
  p.PutString(doc.trace_id);
  p.PutString(doc.id);
  p.PutString(doc.parent_id);
  p.PutString(doc.name);
  p.PutString(doc.raw);
  p.PutString(doc.stored_raw);
  p.Put(static_cast<std::uint32_t>(doc.annotations.size()));
  for (const Annotation& annotation : doc.annotations) {
    PackAnnotation(annotation, p);
  }
  if (doc.summary_facts) {
    PackFacts(*doc.summary_facts, p);
  }
}

bool UnpackDocument(Unpacker& u, Document& doc) {
  std::uint8_t kind = 0;
  std::uint8_t flags = 0;
  double end_time = 0;
  std::uint64_t released_raw_size = 0;
  if (!u.Get(kind) || kind > static_cast<std::uint8_t>(DocumentKind::kSubsegment) ||
      !u.Get(flags) || !u.Get(doc.start_time) || !u.Get(end_time) ||
      !u.Get(doc.unindexed_annotations) || !u.Get(doc.embedded_subsegments) ||
      !u.Get(released_raw_size) || !u.GetString(doc.trace_id) || !u.GetString(doc.id) ||
      !u.GetString(doc.parent_id) || !u.GetString(doc.name) || !u.GetString(doc.raw) ||
      !u.GetString(doc.stored_raw)) {
    return false;
  }
  doc.kind = static_cast<DocumentKind>(kind);
  doc.in_progress = (flags & kInProgress) != 0;
  doc.error = (flags & kError) != 0;
  doc.fault = (flags & kFault) != 0;
  doc.throttle = (flags & kThrottle) != 0;
  doc.end_time = (flags & kHasEndTime) != 0 ? std::optional<double>(end_time) : std::nullopt;
  doc.released_raw_size = static_cast<std::size_t>(released_raw_size);
  std::uint32_t annotations = 0;
  // An annotation is at least its key's length and its type.
  if (!u.GetCount(annotations, sizeof(std::uint32_t) + 1)) {
    return false;
  }
  doc.annotations.resize(annotations);
  for (Annotation& annotation : doc.annotations) {
    if (!UnpackAnnotation(u, annotation)) {
      return false;
    }
  }
  if ((flags & kHasFacts) == 0) {
    doc.summary_facts.reset();
    return true;
  }
  if (!doc.summary_facts) {
    doc.summary_facts.emplace();
  }
  return UnpackFacts(u, *doc.summary_facts);
}

}  // namespace

std::size_t PackedSize(std::span<const Document> docs) noexcept {
  SizeCounter counter;
  for (const Document& doc : docs) {
    PackDocument(doc, counter);
  }
  return counter.size();
}

void PackDocuments(std::span<const Document> docs, std::string& out) {
  Packer p(out);
  for (const Document& doc : docs) {
    PackDocument(doc, p);
  }
}

bool UnpackDocuments(std::string_view packed, std::span<Document> out) {
  Unpacker u(packed);
  for (Document& doc : out) {
    if (!UnpackDocument(u, doc)) {
      return false;
    }
  }
  return u.AtEnd();
}

}  // namespace xrayd::proto
