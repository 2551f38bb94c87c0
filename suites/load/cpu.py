"""CPU used by the two sides of a load run: the Locust client and the API server.

A load run's requests per second mean something about the server only if the
client was not the limit. Locust runs its users on one process (gevent): one
core at most. :class:`CpuWatch` measures, over the run, the Locust process's
CPU (``RUSAGE_CHILDREN`` once it has been waited for) and the server's (its
``/proc/<pid>/stat``, when tracetui started it), both in cores (1.0 = one
core busy for the whole run). :func:`client_bound` says when the client used
so much of its one core that it, not the server, set the pace.
"""

from __future__ import annotations

import os
import resource
import time

#: Above this share of its one core, the Locust client is taken to be the limit.
CLIENT_BOUND_CORES = 0.85


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process and its reaped children; None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuWatch:
    """Start before the client process, stop after it was waited for."""

    def __init__(self, server_pid: int | None = None) -> None:
        self._server_pid = server_pid
        self._start = time.monotonic()
        self._children = _children_cpu_s()
        self._server = process_cpu_s(server_pid) if server_pid is not None else None
        self.client_cores: float | None = None
        self.server_cores: float | None = None

    def stop(self) -> None:
        wall = max(time.monotonic() - self._start, 1e-9)
        self.client_cores = round((_children_cpu_s() - self._children) / wall, 3)
        if self._server_pid is not None and self._server is not None:
            now = process_cpu_s(self._server_pid)
            if now is not None:
                self.server_cores = round((now - self._server) / wall, 3)


def client_bound(client_cores: float | None) -> bool:
    return client_cores is not None and client_cores >= CLIENT_BOUND_CORES
