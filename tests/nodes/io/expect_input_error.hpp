#pragma once
// EXPECT_TRUE(input_error([&] { ... }, {"file.npy", "truncated"})): the call throws
// mirflow::InputError whose message holds every given part.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mirflow/error.hpp"

namespace mirflow::io::test {

template <class F>
::testing::AssertionResult input_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const InputError& e) {
    for (const auto& p : parts)
      if (std::string(e.what()).find(p) == std::string::npos)
        return ::testing::AssertionFailure() << "message lacks '" << p << "': " << e.what();
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "not an InputError: " << e.what();
  }
  return ::testing::AssertionFailure() << "no InputError";
}

}  // namespace mirflow::io::test
