"""Who used the CPU during a benchmark: the server (and each worker), the client, the hypervisor.

Benchmarks here share a small VM with their own load generator, and the VM's neighbours take
CPU too, so a rate alone does not say whether the server was the limit. Linux /proc only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> dict[int, bytes]:
    """Direct child processes of ``pid`` with their command lines."""
    out = {}
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                if int((child / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out[int(child.name)] = (child / "cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                pass
    return out


def worker_cpu(server_pid: int) -> dict[int, float]:
    """CPU seconds of each of uvicorn's worker processes, by pid (the server itself if none)."""
    workers = {}
    for pid, cmdline in children(server_pid).items():
        if b"spawn_main" in cmdline:
            try:
                workers[pid] = cpu_seconds(pid)
            except OSError:
                pass
    return workers or {server_pid: cpu_seconds(server_pid)}


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its direct children."""
    total = cpu_seconds(pid)
    for child in children(pid):
        try:
            total += cpu_seconds(child)
        except OSError:
            pass
    return total


def stolen_seconds() -> float:
    """CPU time the hypervisor gave to other guests (a VM's noisy neighbours), all cores."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


@dataclass
class CpuSplit:
    server: float
    client: float
    steal: float
    per_worker: list[float]
    elapsed: float

    def describe(self, client: str = "client") -> str:
        e = self.elapsed
        return (f"CPU: server {self.server:.0f} s ({self.server / e:.2f} cores; per worker"
                f" {[round(w, 1) for w in self.per_worker]} s), {client} {self.client:.0f} s"
                f" ({self.client / e:.2f} cores) of {os.cpu_count()} cores;"
                f" {self.steal:.0f} s stolen by the hypervisor ({self.steal / e:.2f} cores)")


class CpuClock:
    """Started before the measured stretch, ``stop``-ped after it."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self._server, self._client = tree_cpu(server_pid), cpu_seconds(os.getpid())
        self._workers, self._steal = worker_cpu(server_pid), stolen_seconds()

    def stop(self, elapsed: float) -> CpuSplit:
        workers = worker_cpu(self.server_pid)
        return CpuSplit(tree_cpu(self.server_pid) - self._server,
                        cpu_seconds(os.getpid()) - self._client, stolen_seconds() - self._steal,
                        [v - self._workers.get(k, 0) for k, v in workers.items()], elapsed)
