#include "cli/line_record.h"

namespace fjord::cli {

result<line_record, std::string> split_line(std::string_view line, std::string_view separator) {
    if (line.ends_with('\n')) line.remove_suffix(1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (separator.empty()) return line_record{std::nullopt, line};
    auto at = line.find(separator);
    if (at == std::string_view::npos) {
        return fail(std::string("no key separator in the line"));
    }
    return line_record{line.substr(0, at), line.substr(at + separator.size())};
}

}  // namespace fjord::cli
