#pragma once
// The timeline of one trace for a terminal (`xrayd traces show`, `traces tail --show`). Pure
// functions: no I/O, no clock, deterministic, thread-safe, never throw on document content. Every
// string taken from a document is sanitized first (query/terminal_text.h), so no control
// character, escape sequence or invalid UTF-8 reaches the terminal.

#include <cstddef>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace xrayd::query {

struct TimelineOptions {
  int bar_width = 60;        // Columns of the bar area; clamped to [10, 1000].
  int name_width = 36;       // Columns of the name column, indentation included; [12, 200].
  int max_indent_depth = 8;  // Rows deeper than this are indented as this depth, "[depth] name".
  bool color = false;        // ANSI SGR colours; plain text when false.
};

// Renders one trace as a timeline. `documents` are the trace's segment documents as JSON objects:
// either as stored (independent subsegments separate, linked by "parent_id") or as BatchGetTraces
// returns them (Segments[].Document, parsed), or a mix; elements that are not objects are counted
// as unreadable. Top-level documents with the same "id" count once (a complete version wins over
// an in-progress one, else the later one).
//
// Output (lines end with '\n', no trailing spaces):
//   Trace <id>  <duration>  <N segments, M subsegments>  <ok | error, fault, throttle>[  in
//   progress] <ruler: "0 ms" ... "<duration>" over the bar area> one row per segment/subsegment,
//   depth-first, children by (start_time, id): <indent><name> (<origin without "AWS::"> |
//   <namespace>[ <aws.operation>])  |<bar>|  <ms>  <flags>  <notes>
//     bar: '=' complete, '~' in progress (drawn to the end of the trace), on bar_width columns
//       proportional to the trace's span (a zero-length trace draws one column at the left);
//     flags: '!' error, 'F' fault, 'T' throttle (docs/segment-document.md#errors-faults-and-causes
//     derived status, 4xx/5xx/429 included); notes: "http STATUS", "in progress", "orphan: parent
//     ID missing" (an independent subsegment
//       whose parent is not in the trace, shown at the top level), "orphan: parent cycle";
//   followed by indented lines "annotations: k=v ..." (string values quoted) and
//   "exception: Type: message (+N more)" (the first exception of the row's cause).
// A segment whose parent_id is a subsegment of the trace is drawn under that subsegment (the call
// that caused it); one whose parent is not in the trace is a top-level row (an untraced caller).
// Names and texts are cut to their column with "…", never inside a UTF-8 code point; wide
// (East Asian, emoji) characters count two columns and combining marks none.
[[nodiscard]] std::string RenderTimeline(std::span<const nlohmann::ordered_json> documents,
                                         const TimelineOptions& options = {});

// Milliseconds with one decimal: 0.2495 s -> "249.5 ms" (rounded to the microsecond first).
[[nodiscard]] std::string FormatMilliseconds(double seconds);

}  // namespace xrayd::query
