#pragma once
// The one-line view of a trace printed by `xrayd traces tail`. Pure function: no I/O, no clock,
// deterministic, thread-safe; strings from the trace are sanitized (query/terminal_text.h).

#include <string>

#include "query/trace_model.h"

namespace xrayd::query {

// One line, without a newline:
//   HH:MM:SS.mmmZ  <trace id>  <duration, 10 columns>  <root segment name, padded to 16 columns>
//   [  METHOD URL STATUS]  <ok | flags>[  N annotations]
// The time is the trace's start (UTC); the duration is TraceModel::duration; flags are the root
// segment's derived status (error, fault, throttle, comma-separated); N counts annotation keys.
// A trace without a root segment shows its first segment's name. ANSI colours when `color`.
[[nodiscard]] std::string RenderTraceLine(const TraceModel& model, bool color = false);

}  // namespace xrayd::query
