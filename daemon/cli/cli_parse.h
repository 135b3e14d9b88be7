#pragma once
// Command-line parsing for `xrayd <command>`, on CLI11: one way to run a parser, report usage
// errors (exit 2) and --help (exit 0), and the value types the commands share.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace xrayd::daemon {

// Parses `args` (without the program and command names) into `app`. Returns nullopt when the
// command should run; 0 after printing the help of the (sub)command asked for to `out`; 2 after
// printing "<app name>: <reason>" and that (sub)command's help to `err`.
[[nodiscard]] std::optional<int> ParseCommandLine(CLI::App& app,
                                                  const std::vector<std::string>& args,
                                                  std::ostream& out, std::ostream& err);

// Adds an option taking a duration (proto/duration.h); `*seconds` receives it in seconds.
CLI::Option* AddDurationOption(CLI::App& app, const std::string& name, double& seconds,
                               const std::string& description);

// Adds an option taking a positive integer; `*value` receives it.
CLI::Option* AddPositiveOption(CLI::App& app, const std::string& name, std::size_t& value,
                               const std::string& description);

// Adds --color auto|always|never into `*when`.
CLI::Option* AddColorOption(CLI::App& app, std::string& when);

}  // namespace xrayd::daemon
