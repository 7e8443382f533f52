"""Detached server processes: start one in its own session, tell whether it still runs, stop its group.

The launcher exits right after `up`, so the servers outlive it: each is started with
start_new_session=True (its pid is also its process group id), and `down` later signals the whole group,
so anything a server started goes with it.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

STOP_GRACE_SECONDS = 5.0
KILL_WAIT_SECONDS = 2.0
# The text every one of our servers has on its command line; guards against signalling a reused pid.
OUR_COMMAND_MARK = "infra_emulator"


def start_detached(arguments: list[str], log_path: str, environment: dict[str, str]) -> subprocess.Popen:
    """Starts `python -m <arguments>` in a new session, stdout and stderr appended to `log_path`."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=environment,
            start_new_session=True,
            close_fds=True,
        )


def is_running(pid: int) -> bool:
    """True if `pid` is a live (not zombie) process started by us."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: the pid was reused
    state = _proc_state(pid)
    if state == "Z":
        return False
    command = _proc_cmdline(pid)
    return command is None or OUR_COMMAND_MARK in command


def stop_group(pid: int) -> bool:
    """SIGTERM the process group `pid` leads, SIGKILL it if anything is left after the grace time.
    True once no live process of the group remains."""
    if not is_running(pid) and not any(_live_group_members(pid)):
        return True
    signal_group(pid, signal.SIGTERM)
    if _wait_until_group_gone(pid, STOP_GRACE_SECONDS):
        return True
    signal_group(pid, signal.SIGKILL)
    return _wait_until_group_gone(pid, KILL_WAIT_SECONDS)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def signal_group(pgid: int, signal_number: int) -> None:
    try:
        os.killpg(pgid, signal_number)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_until_group_gone(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if not any(_live_group_members(pgid)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _live_group_members(pgid: int) -> Iterator[int]:
    """Pids of the group's processes that are not zombies. A zombie has exited: it only waits for a
    parent to reap it, which in some containers never happens."""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
            yield pgid
        except (ProcessLookupError, PermissionError):
            pass
        return
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _proc_stat_fields(int(entry))
        if fields and fields[4] == str(pgid) and fields[2] != "Z":
            yield int(entry)


def _proc_stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat split into fields, the command name (which may hold spaces) as one field."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    name_end = text.rfind(")")
    head, _, rest = text[:name_end].partition(" (")
    return [head, rest, *text[name_end + 2:].split()]


def _proc_state(pid: int) -> str | None:
    fields = _proc_stat_fields(pid)
    return fields[2] if fields else None


def _proc_cmdline(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", errors="replace")
    except OSError:
        return None
