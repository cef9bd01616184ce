#pragma once
// Splits a loop over [0, n) into blocks run by oneTBB when the work is large enough to pay for
// the scheduling (ADMM runs these loops every iteration on images up to 512² and beyond).
#include <algorithm>
#include <cstdint>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace mirflow::ir::detail {

// body(begin, end) over [0, n); `cost` is the floats touched in total (serial below 2^16).
template <class Body>
void parallel_blocks(std::int64_t n, std::int64_t cost, Body&& body) {
  if (cost < (std::int64_t{1} << 16) || n < 2) return body(std::int64_t{0}, n);
  const std::int64_t grain = std::max<std::int64_t>(1, n * (std::int64_t{1} << 14) / cost);
  tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, grain),
                    [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
}

}  // namespace mirflow::ir::detail
