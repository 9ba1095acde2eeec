#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding, no line breaks): how an HTML page carries
// its PNG figures inline, in data: URLs.
#include <string>
#include <string_view>

namespace ns::report {

std::string base64_encode(std::string_view bytes);

}  // namespace ns::report
