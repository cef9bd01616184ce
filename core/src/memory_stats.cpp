#include "mirflow/memory_stats.hpp"

namespace mirflow {

namespace {
thread_local MemoryCounters* current = nullptr;
}

void note_allocated(std::size_t bytes) {
  if (current) current->allocated_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
}

void note_copied(std::size_t bytes) {
  if (current) current->copied_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
}

CountersScope::CountersScope(MemoryCounters* counters) : previous_(current) { current = counters; }
CountersScope::~CountersScope() { current = previous_; }

}  // namespace mirflow
