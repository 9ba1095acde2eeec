#include "cli/json_output.hpp"

#include <fmt/format.h>

namespace ns::cli {

void print_json(const Json& doc) {
  fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
}

}  // namespace ns::cli
