#pragma once
// The console's live tail over server-sent events (README "Console"), the pure parts: what a
// GET /ui/api/tail request asks for, and the bytes of one event. No I/O.

#include <optional>
#include <string>
#include <string_view>

#include "daemon/api/api_router.h"

namespace xrayd::daemon::console {

struct TailRequest {
  std::string filter;  // X-Ray filter expression; empty = every trace.
  // Where a reconnecting client resumes (epoch seconds, the id of the last event it received):
  // the Last-Event-ID header, else the lastEventId query parameter. Unset: a new tail.
  std::optional<double> resume;
};

// Reads ?filter=EXPR&lastEventId=T (percent-encoded, '+' as space) and the Last-Event-ID
// header. A malformed escape or resume point is ignored (as if absent), never an error: the
// filter itself is checked by the search.
TailRequest ParseTailRequest(const HttpRequest& request);

// `text` with %XX escapes and '+' decoded; nullopt if an escape is malformed.
std::optional<std::string> DecodeQueryComponent(std::string_view text);

// One server-sent event: "id: ID\n" (unless empty), "event: TYPE\n" (unless empty), then `data`
// one "data:" line per line of it, and a blank line.
std::string FormatEvent(std::string_view id, std::string_view type, std::string_view data);

}  // namespace xrayd::daemon::console
