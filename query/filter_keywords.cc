#include "query/filter_keywords.h"

#include <array>
#include <cstddef>

namespace xrayd::query {
namespace {

constexpr std::uint8_t kT = static_cast<std::uint8_t>(Scope::kTrace);
constexpr std::uint8_t kS = static_cast<std::uint8_t>(Scope::kService);
constexpr std::uint8_t kE = static_cast<std::uint8_t>(Scope::kEdge);
constexpr std::uint8_t kRs = static_cast<std::uint8_t>(Scope::kRootCauseService);
constexpr std::uint8_t kRe = static_cast<std::uint8_t>(Scope::kRootCauseEntity);
constexpr std::uint8_t kRx = static_cast<std::uint8_t>(Scope::kRootCauseException);
constexpr std::uint8_t kRootCauseAll = kRs | kRe | kRx;

// Scopes follow the bindings listed in docs/filter-language.md#functions-and-blocks. [local]
// choices where the spec is silent: availabilityzone/instance.id/resource.arn/user/duration/partial
// bind to the segment in a service block but are rejected in edge blocks (a call has no such values
// of its own). Order matches enum Keyword so GetKeywordInfo can index it.
constexpr std::array<KeywordInfo, 28> kKeywords = {{
    {Keyword::kResponseTime, "responsetime", ValueType::kNumber, kT | kS | kE},
    {Keyword::kDuration, "duration", ValueType::kNumber, kT | kS},
    {Keyword::kHttpStatus, "http.status", ValueType::kNumber, kT | kS | kE},
    {Keyword::kHttpUrl, "http.url", ValueType::kString, kT | kS | kE},
    {Keyword::kHttpMethod, "http.method", ValueType::kString, kT | kS | kE},
    {Keyword::kHttpUserAgent, "http.useragent", ValueType::kString, kT | kS | kE},
    {Keyword::kHttpClientIp, "http.clientip", ValueType::kString, kT | kS | kE},
    {Keyword::kUser, "user", ValueType::kString, kT | kS},
    {Keyword::kAvailabilityZone, "availabilityzone", ValueType::kString, kT | kS},
    {Keyword::kInstanceId, "instance.id", ValueType::kString, kT | kS},
    {Keyword::kResourceArn, "resource.arn", ValueType::kString, kT | kS},
    {Keyword::kOk, "ok", ValueType::kBool, kT | kS | kE},
    {Keyword::kError, "error", ValueType::kBool, kT | kS | kE},
    {Keyword::kFault, "fault", ValueType::kBool, kT | kS | kE},
    {Keyword::kThrottle, "throttle", ValueType::kBool, kT | kS | kE},
    {Keyword::kPartial, "partial", ValueType::kBool, kT | kS},
    {Keyword::kInferred, "inferred", ValueType::kBool, kT | kS | kRs},
    {Keyword::kRoot, "root", ValueType::kBool, kS},
    {Keyword::kName, "name", ValueType::kString, kS | kRootCauseAll},
    {Keyword::kType, "type", ValueType::kString, kS | kRs},
    {Keyword::kMessage, "message", ValueType::kString, kRx},
    {Keyword::kIndex, "index", ValueType::kNumber, kRootCauseAll},
    {Keyword::kCoverage, "coverage", ValueType::kNumber, kRe},
    {Keyword::kFirst, "first", ValueType::kBool, kRootCauseAll},
    {Keyword::kLast, "last", ValueType::kBool, kRootCauseAll},
    {Keyword::kRemote, "remote", ValueType::kBool, kRe},
    {Keyword::kAccountId, "account.id", ValueType::kString, kRs},
    {Keyword::kAnnotation, "annotation", ValueType::kDynamic, kT},
}};

constexpr bool TableFollowsEnumOrder() {
  for (std::size_t i = 0; i < kKeywords.size(); ++i) {
    if (static_cast<std::size_t>(kKeywords[i].keyword) != i) {
      return false;
    }
  }
  return true;
}
static_assert(TableFollowsEnumOrder(), "kKeywords must list keywords in enum Keyword order");

}  // namespace

std::optional<KeywordInfo> FindKeyword(std::string_view lower_name) {
  for (const KeywordInfo& info : kKeywords) {
    if (info.keyword != Keyword::kAnnotation && info.name == lower_name) {
      return info;
    }
  }
  return std::nullopt;
}

const KeywordInfo& GetKeywordInfo(Keyword keyword) {
  return kKeywords[static_cast<std::size_t>(keyword)];
}

std::string_view DescribeScope(Scope scope) {
  switch (scope) {
    case Scope::kTrace:
      return "at the top level";
    case Scope::kService:
      return "inside a service() block";
    case Scope::kEdge:
      return "inside an edge() block";
    case Scope::kRootCauseService:
      return "inside a rootcause.*.service block";
    case Scope::kRootCauseEntity:
      return "inside a rootcause.*.entity block";
    case Scope::kRootCauseException:
      return "inside a rootcause.*.exception block";
  }
  return "here";
}

}  // namespace xrayd::query
