#pragma once
// The fixed keywords of the X-Ray filter language (docs/filter-language.md#trace-level-keywords,
// docs/filter-language.md#functions-and-blocks): their canonical spelling, value type and the
// scopes they may appear in. Pure data, no state; safe from any thread.

#include <cstdint>
#include <optional>
#include <string_view>

namespace xrayd::query {

// Every comparable keyword. kAnnotation stands for `annotation.<KEY>`; the key lives in the Field.
enum class Keyword {
  // Trace keywords (docs/filter-language.md#trace-level-keywords).
  kResponseTime,
  kDuration,
  kHttpStatus,
  kHttpUrl,
  kHttpMethod,
  kHttpUserAgent,
  kHttpClientIp,
  kUser,
  kAvailabilityZone,
  kInstanceId,
  kResourceArn,
  kOk,
  kError,
  kFault,
  kThrottle,
  kPartial,
  kInferred,
  // Scoped keywords (docs/filter-language.md#functions-and-blocks): only inside service() or
  // rootcause blocks.
  kRoot,
  kName,
  kType,
  kMessage,
  kIndex,
  kCoverage,
  kFirst,
  kLast,
  kRemote,
  kAccountId,
  // annotation.<KEY>: top level only.
  kAnnotation,
};

// The value type a keyword compares against; decides the allowed operators and literals.
enum class ValueType {
  kBool,     // `=`, `!=` with true/false.
  kNumber,   // `=` `!=` `<` `<=` `>` `>=` with a number.
  kString,   // `=` `!=` CONTAINS BEGINSWITH ENDSWITH with a quoted string.
  kDynamic,  // annotation.*: any literal, operators checked against the literal's type.
};

// Where a term is being parsed. A block gives its body the scope of the function it belongs to.
enum class Scope : std::uint8_t {
  kTrace = 1 << 0,               // Outside any block.
  kService = 1 << 1,             // service(...) { here }
  kEdge = 1 << 2,                // edge(..., ...) { here }
  kRootCauseService = 1 << 3,    // rootcause.<kind>.service { here }
  kRootCauseEntity = 1 << 4,     // rootcause.<kind>.entity { here }
  kRootCauseException = 1 << 5,  // rootcause.<kind>.exception { here }
};

struct KeywordInfo {
  Keyword keyword;
  std::string_view name;  // Canonical lower-case spelling, e.g. "http.status".
  ValueType type;
  std::uint8_t scopes;  // Bitwise OR of the Scope values where the keyword is allowed.
};

// Looks up a keyword by its lower-case spelling ("responsetime", "account.id"). Does not know
// `annotation.*`, functions (service, edge, id, group.*, rootcause.*) or operator words.
// Returns nullopt for any other word.
[[nodiscard]] std::optional<KeywordInfo> FindKeyword(std::string_view lower_name);

// The table entry for `keyword`. For kAnnotation returns name "annotation", type kDynamic.
[[nodiscard]] const KeywordInfo& GetKeywordInfo(Keyword keyword);

// Human words for a scope, e.g. "inside a service() block", "at the top level".
[[nodiscard]] std::string_view DescribeScope(Scope scope);

}  // namespace xrayd::query
