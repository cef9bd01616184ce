"""Ctrl-C (SIGINT) cancels a running graph and raises KeyboardInterrupt promptly."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import mirflow

STARTED = threading.Event()


@mirflow.node_type("test.sleepy", params={"seconds": 0.05})
class Sleepy:
    """Sleeps, then passes its input on: a slow node."""

    def __init__(self, params):
        self.seconds = params["seconds"]

    def process(self, inputs):
        STARTED.set()
        time.sleep(self.seconds)
        return inputs["image"]


def slow_graph():
    return (mirflow.Graph().node("input", "py.input", name="x").node("slow", "test.sleepy")
            .node("smooth", "classic.gaussian").node("output", "py.output", name="y")
            .connect("input.image", "slow.image").connect("slow.image", "smooth.image")
            .connect("smooth.image", "output.image"))


class Interrupter(threading.Thread):
    """Sends SIGINT to this process `delay` seconds after the slow node first runs."""

    def __init__(self, delay):
        super().__init__(daemon=True)
        self.delay, self.sent_at = delay, None
        STARTED.clear()
        self.start()

    def run(self):
        if STARTED.wait(60):
            time.sleep(self.delay)
            self.sent_at = time.monotonic()
            os.kill(os.getpid(), signal.SIGINT)


def test_sigint_cancels_a_slow_run():
    items = [np.zeros((8, 8), np.float32)] * 400  # 400 x 50 ms = 20 s if not cancelled
    sender = Interrupter(0.3)
    with pytest.raises(KeyboardInterrupt):
        slow_graph().run_arrays({"x": items}, threads=2)
    elapsed = time.monotonic() - sender.sent_at
    sender.join()
    assert elapsed < 2, f"cancelling took {elapsed:.1f} s"
    # The engine is usable again straight away.
    out = slow_graph().run_arrays({"x": items[:3]}, **{"slow.seconds": 0.0})
    assert len(out["y"]) == 3


def test_sigint_while_a_python_node_is_in_a_long_call():
    # One item sleeping 1.5 s: the interrupt waits for the call to return (Python code cannot be
    # stopped from outside), then the run is cancelled, not continued.
    sender = Interrupter(0.2)
    with pytest.raises(KeyboardInterrupt):
        slow_graph().run_arrays({"x": [np.zeros((4, 4))] * 5}, **{"slow.seconds": 1.5})
    elapsed = time.monotonic() - sender.sent_at
    sender.join()
    assert 1.0 < elapsed < 3.0  # the rest of the first 1.5 s call, not all five


def test_an_exception_in_the_progress_callback_cancels():
    def progress(done, total):
        if done >= 2:
            raise RuntimeError("enough")

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="enough"):
        slow_graph().run_arrays({"x": [np.zeros((4, 4))] * 200}, progress=progress)
    assert time.monotonic() - t0 < 3
