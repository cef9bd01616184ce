// Dropping Python references from engine threads without taking the GIL.
//
// Why not simply acquire the GIL in the release function? Engine objects die on oneTBB workers and
// on the run thread, often while the Python thread that started the run waits for it. A destructor
// that blocks on the GIL can then deadlock (the GIL holder waits for the graph, the graph waits
// for the destructor), and after interpreter finalisation acquiring the GIL crashes. So:
//   * the GIL is already held by this thread  -> Py_DECREF now (the common case: `del image`);
//   * otherwise                                -> queue it; the bindings drain the queue whenever
//     they hold the GIL (every 100 ms while a run waits, at the end of each run, in Python nodes),
//     and Py_AddPendingCall (callable without the GIL) asks the main thread to drain it soon, so
//     memory is returned even when no further bindings call happens;
//   * the interpreter is gone (process exit)  -> leak: the process is ending anyway.
#include <atomic>

#include "bindings.hpp"

namespace mirflow::py_bindings {

namespace {

std::mutex queue_mutex;
std::vector<PyObject*>& queue() {
  static auto* q = new std::vector<PyObject*>();  // never destroyed: releases may come late at exit
  return *q;
}
std::atomic<bool> drain_scheduled{false};

int drain_pending_call(void*) {
  drain_released();
  return 0;
}

}  // namespace

void release_pyobject(PyObject* obj) noexcept {
  if (!obj) return;
  if (!Py_IsInitialized()) return;  // finalised: nothing may touch Python objects any more
  if (PyGILState_Check()) {
    Py_DECREF(obj);
    return;
  }
  {
    std::lock_guard lock(queue_mutex);
    queue().push_back(obj);
  }
  if (!drain_scheduled.exchange(true)) {
    // Thread-safe and GIL-free; fails only when the pending-call queue is full, in which case a
    // later release (or the next bindings call) schedules the drain again.
    if (Py_AddPendingCall(&drain_pending_call, nullptr) != 0) drain_scheduled = false;
  }
}

void drain_released() noexcept {
  std::vector<PyObject*> objs;
  {
    std::lock_guard lock(queue_mutex);
    objs.swap(queue());
  }
  drain_scheduled = false;
  // A __del__ run here that drops further objects holds the GIL, so those go at once.
  for (PyObject* o : objs) Py_DECREF(o);
}

}  // namespace mirflow::py_bindings
