#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace mirflow {

// Pixel-memory accounting. The executor points these counters at the running node's
// statistics (per thread) so `mirflow run --stats` can say who allocated and who copied.
struct MemoryCounters {
  std::atomic<std::int64_t> allocated_bytes{0};
  std::atomic<std::int64_t> copied_bytes{0};
};

// Record pixel bytes allocated or copied by the current thread's node (no-op outside a run).
void note_allocated(std::size_t bytes);
void note_copied(std::size_t bytes);

// Makes `counters` the current thread's target while alive; restores the previous one after.
class CountersScope {
 public:
  explicit CountersScope(MemoryCounters* counters);
  ~CountersScope();
  CountersScope(const CountersScope&) = delete;
  CountersScope& operator=(const CountersScope&) = delete;

 private:
  MemoryCounters* previous_;
};

}  // namespace mirflow
