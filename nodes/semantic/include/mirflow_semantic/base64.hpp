#pragma once
// Base64 (RFC 4648, standard alphabet, '=' padding): images travel inline in JSON requests.
#include <string>
#include <string_view>

namespace mirflow::semantic {

std::string base64_encode(std::string_view bytes);
std::string base64_decode(std::string_view text);  // throws std::invalid_argument on bad input

}  // namespace mirflow::semantic
