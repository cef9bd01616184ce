#pragma once
// SHA-256 (FIPS 180-4), for cache keys: the same image, prompt and model give the same name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mirflow::semantic {

class Sha256 {
 public:
  Sha256();
  Sha256& update(const void* data, std::size_t bytes);
  Sha256& update(std::string_view s) { return update(s.data(), s.size()); }
  std::string hex();  // finishes the hash; the object must not be updated afterwards

 private:
  void block(const std::uint8_t* p);
  std::uint32_t h_[8];
  std::uint8_t buf_[64];
  std::size_t used_ = 0;
  std::uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view s);

}  // namespace mirflow::semantic
