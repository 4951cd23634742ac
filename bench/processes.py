"""The processes under test: start, stop, time a training run and measure memory (Linux /proc)."""

from __future__ import annotations

import os
import shlex
import signal
import string
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENGINE_BIN = ROOT / ".venv-engine" / "bin"
APP_PYTHON = ROOT / ".venv-app" / "bin" / "python"
STOP_TIMEOUT_SECONDS = 30
SAMPLE_INTERVAL_SECONDS = 0.2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # the unit of CPU times in /proc


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which and shows the log tail."""


def procfile_command(process: str, variables: dict[str, str]) -> list[str]:
    """The command line the Procfile runs for `process`, with `$VARIABLES` filled in.

    The benchmark starts Rasa exactly as `make run` does, so a change there is measured.
    """
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            break
    else:
        raise BenchError(f"the Procfile has no {process!r} process")
    try:
        words = [string.Template(word).substitute(variables) for word in shlex.split(command)]
    except KeyError as error:
        message = f"Procfile {process!r} uses ${error.args[0]}, unknown to the bench"
        raise BenchError(message) from error
    program = Path(words[0])
    if not program.is_absolute() and len(program.parts) > 1:
        words[0] = str(ROOT / program)
    return words


def replace_option(command: list[str], option: str, value: str) -> list[str]:
    """`command` with the value of `option` replaced (e.g. another --model)."""
    if option not in command[:-1]:
        raise BenchError(f"{option} not found in {' '.join(command)}")
    index = command.index(option) + 1
    return [*command[:index], value, *command[index + 1 :]]


def log_tail(path: Path, characters: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-characters:]
    except FileNotFoundError:
        return "(no log)"


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Sanic 25 runs its workers in child processes)."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in children.read_text().split())
            except OSError:
                continue  # the task ended while we looked
    return tree


def memory_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of one process in kB, or None if it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    if "VmRSS" not in fields:
        return None  # a zombie
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


@dataclass
class Server:
    """One long-running process (with its children) started for the benchmark."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    spawned_at: float = 0.0
    peak_tree_rss_kb: int = 0
    hwm_kb: dict[int, int] = field(default_factory=dict)  # highest VmHWM seen, per pid
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.spawned_at = time.perf_counter()
            # Own session: stop() ends exactly this process group and nothing else.
            self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def seconds_since_spawn(self) -> float:
        return time.perf_counter() - self.spawned_at

    def check_alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise BenchError(f"{self.name} exited early:\n{log_tail(self.log_path)}")

    def sample_memory(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        tree_rss = 0
        with self._lock:
            for pid in process_tree(self.process.pid):
                sample = memory_kb(pid)
                if sample is None:
                    continue
                rss, hwm = sample
                tree_rss += rss
                self.hwm_kb[pid] = max(self.hwm_kb.get(pid, 0), hwm)
            self.peak_tree_rss_kb = max(self.peak_tree_rss_kb, tree_rss)

    def current_rss_mb(self) -> float:
        if self.process is None:
            return 0.0
        samples = (memory_kb(pid) for pid in process_tree(self.process.pid))
        return sum(sample[0] for sample in samples if sample) / 1024

    def memory_report(self) -> dict[str, float | int]:
        """Peak = VmHWM summed over the tree: catches spikes between samples (an upper bound)."""
        with self._lock:
            return {
                "peak_rss_mb": round(sum(self.hwm_kb.values()) / 1024, 1),
                "peak_sampled_rss_mb": round(self.peak_tree_rss_kb / 1024, 1),
                "processes": len(self.hwm_kb),
            }

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.sample_memory()
        group = os.getpgid(self.process.pid)
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait()


class MemorySampler:
    """Samples the memory of every registered server a few times a second, off the event loop."""

    def __init__(self) -> None:
        self._servers: list[Server] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join()

    def watch(self, server: Server) -> None:
        self._servers.append(server)

    def _run(self) -> None:
        while not self._stopped.wait(SAMPLE_INTERVAL_SECONDS):
            for server in list(self._servers):
                server.sample_memory()


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine since boot, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _process_jiffies(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"; comm may hold spaces
    return int(fields[11]) + int(fields[12])  # utime + stime


class CpuMeter:
    """How busy the machine was while measuring, how much of that was not us, and the CPU time
    each of our processes used.

    Other people's work on the same 2 cores shows up as "others"; a run with a high figure
    there is noisy and should not be compared with a quiet one. CPU time per process is the
    figure least disturbed by them.
    """

    def __init__(self, servers: dict[str, Server]) -> None:
        self._servers = servers
        self._start_machine = _machine_jiffies()
        self._start_processes = self._process_jiffies()

    def _process_jiffies(self) -> dict[str, int]:
        jiffies = {"load generator": _process_jiffies(os.getpid())}
        for role, server in self._servers.items():
            if server.process is not None:
                tree = process_tree(server.process.pid)
                jiffies[role] = sum(_process_jiffies(pid) for pid in tree)
        return jiffies

    def report(self) -> dict[str, Any]:
        busy, total = _machine_jiffies()
        processes = self._process_jiffies()
        used = {role: processes[role] - self._start_processes.get(role, 0) for role in processes}
        elapsed = max(total - self._start_machine[1], 1)
        busy_share = (busy - self._start_machine[0]) / elapsed
        ours_share = min(sum(used.values()) / elapsed, busy_share)
        return {
            "machine_busy_percent": round(100 * busy_share, 1),
            "ours_percent": round(100 * ours_share, 1),
            "others_percent": round(100 * (busy_share - ours_share), 1),
            "cpu_seconds": {role: round(j / CLOCK_TICKS, 2) for role, j in used.items()},
        }


def wait_for_quiet_machine(max_wait_seconds: float, busy_below: float = 0.3) -> float:
    """Waits (up to a limit) until other work leaves the CPUs mostly idle; the busy share seen."""
    deadline = time.monotonic() + max_wait_seconds
    while True:
        busy_before, total_before = _machine_jiffies()
        time.sleep(5)
        busy, total = _machine_jiffies()
        share = (busy - busy_before) / max(total - total_before, 1)
        if share < busy_below or time.monotonic() > deadline:
            return share


@dataclass(frozen=True)
class TimedRun:
    seconds: float
    peak_rss_mb: float  # ru_maxrss of the process and its waited-for children


def timed_run(command: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> TimedRun:
    """Runs a command to completion; its wall time and peak memory (from wait4's rusage)."""
    with log_path.open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise BenchError(
            f"{' '.join(command[:3])} failed ({process.returncode}):\n{log_tail(log_path)}"
        )
    return TimedRun(seconds=round(seconds, 1), peak_rss_mb=round(usage.ru_maxrss / 1024, 1))
