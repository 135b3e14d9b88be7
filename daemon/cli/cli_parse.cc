#include "daemon/cli/cli_parse.h"

#include <algorithm>
#include <charconv>
#include <ostream>

#include "proto/duration.h"

namespace xrayd::daemon {

std::optional<int> ParseCommandLine(CLI::App& app, const std::vector<std::string>& args,
                                    std::ostream& out, std::ostream& err) {
  app.get_formatter()->label("Usage", "usage");  // Shared with the subcommands.
  // CLI11 consumes its argument vector from the back.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    // Named after, and followed by the help of, the innermost subcommand given.
    std::string parents;
    const CLI::App* owner = &app;
    while (!owner->get_subcommands().empty()) {
      parents += (parents.empty() ? "" : " ") + owner->get_name();
      owner = owner->get_subcommands().front();
    }
    err << (parents.empty() ? "" : parents + " ") << owner->get_name() << ": " << e.what() << "\n"
        << owner->help(parents);
    return 2;
  }
  return std::nullopt;
}

CLI::Option* AddDurationOption(CLI::App& app, const std::string& name, double& seconds,
                               const std::string& description) {
  return app
      .add_option(
          name,
          [&seconds, name](const CLI::results_t& results) {
            auto parsed = proto::ParseDurationSeconds(results.front());
            if (!parsed) {
              throw CLI::ValidationError(name, parsed.error().message);
            }
            seconds = *parsed;
            return true;
          },
          description)
      ->type_name("DURATION")
      ->expected(1);
}

CLI::Option* AddPositiveOption(CLI::App& app, const std::string& name, std::size_t& value,
                               const std::string& description) {
  return app
      .add_option(
          name,
          [&value, name](const CLI::results_t& results) {
            const std::string& text = results.front();
            std::size_t n = 0;
            auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
            if (ec != std::errc() || ptr != text.data() + text.size() || n == 0) {
              throw CLI::ValidationError(name, "expected a positive number, got '" + text + "'");
            }
            value = n;
            return true;
          },
          description)
      ->type_name("N")
      ->expected(1);
}

CLI::Option* AddColorOption(CLI::App& app, std::string& when) {
  return app.add_option("--color", when, "colour the output: auto (a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

}  // namespace xrayd::daemon
