#include "query/trace_search.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <utility>

#include "proto/base64url.h"
#include "query/filter_eval.h"
#include "query/filter_sql.h"

namespace xrayd::query {
namespace {

using proto::Base64UrlDecode;
using proto::Base64UrlEncode;

bool MemberAtDepth(const GroupRef& ref, const TraceModel& model, double first_received,
                   const GroupLookup& groups, int depth);

EvalContext ContextFor(const TraceModel& model, double first_received, const GroupLookup& groups,
                       int depth) {
  EvalContext context;
  context.is_member = [&model, first_received, &groups, depth](const GroupRef& ref) {
    return MemberAtDepth(ref, model, first_received, groups, depth);
  };
  return context;
}

bool Member(const GroupDefinition& group, const TraceModel& model, double first_received,
            const GroupLookup& groups, int depth) {
  if (group.is_default) {
    return true;
  }
  if (depth >= kMaxGroupNesting || first_received < group.updated_at) {
    return false;
  }
  return MatchesFilter(*group.filter, model, ContextFor(model, first_received, groups, depth + 1));
}

bool MemberAtDepth(const GroupRef& ref, const TraceModel& model, double first_received,
                   const GroupLookup& groups, int depth) {
  std::shared_ptr<const GroupDefinition> group = groups ? groups(ref) : nullptr;
  if (group == nullptr) {
    return IsDefaultGroupRef(ref);
  }
  return Member(*group, model, first_received, groups, depth);
}

constexpr double kEventLookbackSeconds = 86400;

std::uint64_t Fnv1a64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  return hash;
}

// Page cursor: the last candidate looked at. "e:<start_time>:<seq>" or "t:<trace id>".
struct Cursor {
  std::optional<double> time;
  std::int64_t seq = 0;
  std::optional<std::string> trace_id;
};

// Tokens are base64url("<16 hex of the scope's hash>|<cursor>"): opaque to clients and refused
// when replayed with other request parameters.
std::string EncodeCursor(const storage::Candidate& last, TimeRangeType type,
                         std::string_view scope) {
  char buffer[96];
  if (type == TimeRangeType::kTraceId) {
    std::snprintf(buffer, sizeof buffer, "%016llx|t:%s",
                  static_cast<unsigned long long>(Fnv1a64(scope)), last.info.trace_id.c_str());
  } else {
    std::snprintf(buffer, sizeof buffer, "%016llx|e:%.17g:%lld",
                  static_cast<unsigned long long>(Fnv1a64(scope)), last.info.start_time,
                  static_cast<long long>(last.seq));
  }
  return Base64UrlEncode(buffer);
}

Result<Cursor> DecodeCursor(std::string_view encoded, TimeRangeType type, std::string_view scope) {
  Cursor cursor;
  if (encoded.empty()) {
    return cursor;
  }
  auto invalid = [] { return MakeError(ErrorCode::kInvalidArgument, "invalid NextToken"); };
  const std::optional<std::string> decoded = Base64UrlDecode(encoded);
  if (!decoded || decoded->size() < 18 || (*decoded)[16] != '|') {
    return invalid();
  }
  char expected[17];
  std::snprintf(expected, sizeof expected, "%016llx",
                static_cast<unsigned long long>(Fnv1a64(scope)));
  if (decoded->compare(0, 16, expected) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "NextToken belongs to a request with other parameters");
  }
  const std::string_view token = std::string_view(*decoded).substr(17);
  if (type == TimeRangeType::kTraceId) {
    if (!token.starts_with("t:") || token.size() != 37) {
      return invalid();
    }
    cursor.trace_id = std::string(token.substr(2));
    return cursor;
  }
  if (!token.starts_with("e:")) {
    return invalid();
  }
  const std::string_view rest = token.substr(2);
  const std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid();
  }
  double time = 0;
  const std::string time_text(rest.substr(0, colon));
  char* end = nullptr;
  time = std::strtod(time_text.c_str(), &end);
  if (end == time_text.c_str() || *end != '\0') {
    return invalid();
  }
  const std::string_view seq_text = rest.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), cursor.seq);
  if (ec != std::errc() || ptr != seq_text.data() + seq_text.size()) {
    return invalid();
  }
  cursor.time = time;
  return cursor;
}

}  // namespace

bool IsGroupMember(const GroupDefinition& group, const TraceModel& model, double first_received,
                   const GroupLookup& groups) {
  return Member(group, model, first_received, groups, 0);
}

Status CheckFilterGroups(const FilterExpr& filter, const GroupLookup& groups) {
  for (const Node* node : CollectGroupRefs(filter)) {
    const GroupRef& ref = std::get<GroupRef>(node->kind);
    if (IsDefaultGroupRef(ref) || (groups && groups(ref) != nullptr)) {
      continue;
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("unknown group ") +
                         (ref.by == GroupRef::By::kName ? "name" : "ARN") + " \"" + ref.value +
                         "\" at column " + std::to_string(node->column));
  }
  return {};
}

Result<SearchPage> SearchTraces(storage::TraceStore& store, const SearchRequest& request) {
  if (request.start > request.end) {
    return MakeError(ErrorCode::kInvalidArgument, "StartTime is after EndTime");
  }
  XRAYD_TRY_ASSIGN(auto cursor,
                   DecodeCursor(request.next_token, request.time_range_type, request.token_scope));
  static const FilterExpr kEmpty;
  const FilterExpr& filter = request.filter != nullptr ? *request.filter : kEmpty;
  const SqlFilter sql = CompileFilterSql(filter, request.groups);

  storage::CandidateQuery query;
  query.time_key = request.time_range_type == TimeRangeType::kTraceId
                       ? storage::CandidateQuery::TimeKey::kTraceId
                       : storage::CandidateQuery::TimeKey::kStartTime;
  query.start = request.start;
  query.end = request.end;
  query.lookback = kEventLookbackSeconds;
  query.predicate = sql.predicate;
  query.params = sql.params;
  query.annotation_term = sql.annotation_term;
  query.max_annotation_hits = request.max_annotation_hits;
  query.after_trace_id = cursor.trace_id;
  query.after_time = cursor.time;
  query.after_seq = cursor.seq;
  const std::size_t page_size = std::max<std::size_t>(request.page_size, 1);
  query.limit = std::clamp<std::size_t>(page_size * 2, 64, 1024);
  query.scan_limit = std::max<std::size_t>(request.scan_window, 1);

  // One snapshot for the whole page: consistent, and file locks taken once.
  const bool snapshot = static_cast<bool>(store.BeginSnapshot());
  struct EndSnapshot {
    storage::TraceStore& store;
    bool active;
    ~EndSnapshot() {
      if (active)
        store.EndSnapshot();
    }
  } end_snapshot{store, snapshot};

  const auto began = std::chrono::steady_clock::now();
  SearchPage page;
  // True when this call has done its share of work (candidates examined, or time).
  const auto work_done = [&] {
    if (page.examined >= request.max_examined) {
      return true;
    }
    if (request.cancelled && page.examined % kCancelCheckInterval == 0 && request.cancelled()) {
      page.cancelled = true;
      return true;
    }
    return request.time_budget.count() > 0 && page.examined >= request.budget_after_examined &&
           std::chrono::steady_clock::now() - began >= request.time_budget;
  };
  // True when this call should end after a window of the range (time, or a client gone), though
  // no candidate asked: a filter that rejects most traces in SQL still yields between pages.
  const auto window_work_done = [&] {
    if (request.cancelled && request.cancelled()) {
      page.cancelled = true;
      return true;
    }
    return request.time_budget.count() > 0 &&
           std::chrono::steady_clock::now() - began >= request.time_budget;
  };
  for (;;) {
    XRAYD_TRY_ASSIGN(storage::CandidatePage found, store.FindCandidates(query));
    page.scanned += found.scanned;
    std::vector<storage::Candidate>& candidates = found.candidates;
    const bool range_left = found.scan_end.has_value() || candidates.size() >= query.limit;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      storage::Candidate& c = candidates[i];
      ++page.examined;
      const bool sampled = request.sample_rate >= 1 ||
                           static_cast<double>(Fnv1a64(c.info.trace_id)) / 18446744073709551616.0 <
                               request.sample_rate;
      const bool needs_eval = sampled && !(sql.exact && c.summary_fresh) && filter.root != nullptr;
      std::optional<TraceModel> model;
      if (needs_eval || (sampled && request.with_models)) {
        XRAYD_TRY_ASSIGN(auto docs, store.GetDocuments(c.info.trace_id));
        model = BuildTraceModel(c.info.trace_id, docs);
      }
      bool matched = sampled;
      if (needs_eval) {
        ++page.evaluated;
        matched =
            MatchesFilter(filter, *model, ContextFor(*model, c.first_received, request.groups, 0));
      }
      const bool exhausted = i + 1 == candidates.size() && !range_left;
      if (matched) {
        page.matches.push_back(
            SearchMatch{.info = c.info,
                        .model = request.with_models ? std::move(model) : std::nullopt,
                        .first_received = c.first_received});
        if (page.matches.size() >= page_size) {
          if (!exhausted) {
            page.next_token = EncodeCursor(c, request.time_range_type, request.token_scope);
          }
          return page;
        }
      }
      if (!exhausted && work_done()) {
        page.next_token = EncodeCursor(c, request.time_range_type, request.token_scope);
        return page;
      }
    }
    if (!range_left) {
      return page;
    }
    const storage::Candidate& last =
        candidates.size() >= query.limit ? candidates.back() : *found.scan_end;
    if (window_work_done()) {
      page.next_token = EncodeCursor(last, request.time_range_type, request.token_scope);
      return page;
    }
    query.after_trace_id = last.info.trace_id;
    query.after_time = last.info.start_time;
    query.after_seq = last.seq;
    if (!found.from_annotation_index) {
      // Too many rows for the index: later windows of this call scan without counting them
      // again (either way gives the same candidates).
      query.annotation_term.reset();
    }
  }
}

}  // namespace xrayd::query
