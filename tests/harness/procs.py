"""CPU and memory of a process tree, read from /proc (Linux only)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: split after it.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def process_tree(root: int) -> list[int]:
    """`root` and all its descendants (the app and the WebKit processes it starts)."""
    tree = children_of()
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def name(pid: int) -> str:
    """The program's file name (the kernel's `comm` cuts names at 15 characters)."""
    try:
        return Path(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()).name
    except (OSError, UnicodeDecodeError):
        return "?"


def executable(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def cpu_ticks(pid: int) -> int:
    """User plus system time so far, in clock ticks (0 once the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def _kib(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    rss_kib: int
    pss_kib: int


def memory(pid: int) -> Memory:
    """RSS counts shared libraries once per process; PSS splits them between the
    processes that share them, so PSS sums to what the tree really costs."""
    return Memory(rss_kib=_kib(f"/proc/{pid}/status", "VmRSS"),
                  pss_kib=_kib(f"/proc/{pid}/smaps_rollup", "Pss"))


def mapping_kind(path: str) -> str:
    """What a mapping of /proc/<pid>/smaps is, by its path: a shared library's file
    name, or the kind of anonymous memory."""
    if not path:
        return "anonymous"
    if path.startswith("["):
        return path  # [heap], [stack], [anon:…]
    if path.startswith("/memfd:") or path.startswith("/dev/"):
        return path.split(" ")[0]
    return Path(path.split(" (deleted)")[0]).name


def pss_by_mapping(pid: int) -> dict[str, int]:
    """PSS in KiB of each kind of mapping of a process (`mapping_kind`), largest first:
    where its share of memory is, library by library."""
    totals: dict[str, int] = {}
    kind = "anonymous"
    try:
        lines = Path(f"/proc/{pid}/smaps").read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        fields = line.split(maxsplit=5)
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            kind = mapping_kind(fields[5] if len(fields) == 6 else "")
        elif fields[0] == "Pss:":
            totals[kind] = totals.get(kind, 0) + int(fields[1])
    return dict(sorted(totals.items(), key=lambda item: -item[1]))
