"""Loaded (via PYTHONPATH) only by CI's moved-clock runs under libfaketime.

libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1 makes clock_nanosleep(TIMER_ABSTIME),
which Python's time.sleep uses, fail with EINVAL; with a faked monotonic clock instead, every
timed lock wait (sem_clockwait) hangs. So the monotonic clock stays real and time.sleep waits on
an Event, whose timed wait works there. Only the wall clock moves, which is what the tests prove."""

import threading
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    threading.Event().wait(seconds)


time.sleep = _sleep
