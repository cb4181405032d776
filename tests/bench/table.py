"""The benchmark results as docs/benchmarks.md's table: figure, measured, target, verdict."""

from __future__ import annotations

import os

MIB = 1024 * 1024


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(value) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.1f} s" if value >= 10_000 else f"{value:.1f} ms"


def spread(figure: dict) -> str:
    text = f"{ms(figure['p50_ms'])} / {ms(figure['p99_ms'])} / {ms(figure['max_ms'])}"
    if figure.get("overlapped"):
        text += f" ({figure['overlapped']} not shown before the next was sent)"
    return text


def burst(figure: dict) -> str:
    order = "in order" if figure["in_order"] else "**out of order**"
    return (f"{ms(figure['all_shown_ms'])} ({order}, {figure['lost']} lost, {figure['duplicates']} duplicated; "
            f"sending took {ms(figure['send_ms'])})")


def core_rows(core: dict) -> list[tuple]:
    baseline, latency = core["longpoll_baseline"], core["core_latency"]
    beyond = latency["p99_ms"] - baseline["p99_ms"]
    return [
        ("Bare long poll, SendMessage → ReceiveMessage returns (aws-sdk-sqs vs moto, no app), p50 / p99 / max",
         spread(baseline), "", ""),
        ("Core: SendMessage → EventSink gets the entry, p50 / p99 / max (200 messages)", spread(latency), "", ""),
        ("Core p99 beyond the long-poll wake-up (core p99 − bare p99)", ms(beyond), "< 50 ms", verdict(beyond < 50)),
        ("Bare long poll: burst of 1000, last one received", burst(core["longpoll_burst"]), "", ""),
        ("Core: burst of 1000, last one shown", burst(core["core_burst"]), "", ""),
    ]


def window_rows(win: dict) -> list[tuple]:
    rows = []
    for name, figures in win.items():
        shown = figures["dom_burst"]
        behind = shown["all_shown_ms"] / shown["send_ms"]
        rows += [
            (f"Window {name}: SendMessage → line in the DOM, p50 / p99 / max (200 messages)",
             spread(figures["dom_latency"]), "", ""),
            (f"Window {name}: burst of 1000, last one in the DOM", burst(shown), "", ""),
            (f"Window {name}: burst, last one in the DOM ÷ the time moto took to accept them",
             f"{behind:.2f}×", "≤ 1.2×", verdict(behind <= 1.2)),
        ]
        rows += idle_rows(name, figures["idle"])
    if {"focused", "background"} <= win.keys():
        background, focused = (win[name]["dom_latency"]["p50_ms"] for name in ("background", "focused"))
        rows.append(("Window in the background ÷ focused, SendMessage → DOM p50",
                     f"{background / focused:.2f}× ({ms(background)} / {ms(focused)})", "≤ 1.5×",
                     verdict(background / focused <= 1.5)))
    return rows


def idle_rows(name: str, idle: dict) -> list[tuple]:
    return [
        (f"Idle live chat, window {name}: CPU of app + WebKit processes (60 s)",
         f"{idle['cpu_percent']:.2f} % ({_percents(idle['per_process_cpu_percent'])})",
         "< 0.5 %", verdict(idle["cpu_percent"] < 0.5)),
        (f"Idle, window {name}: RSS summed over the processes (mean)",
         f"{idle['rss_mib']:.0f} MiB ({_sizes(idle['per_process_rss_mib'])})", "< 80 MB",
         verdict(idle["rss_mib"] * MIB < 80e6)),
        (f"Idle, window {name}: PSS summed (shared pages split, not repeated)", f"{idle['pss_mib']:.0f} MiB", "", ""),
        (f"Idle, window {name}: requests per minute, cloud HTTP / SQS",
         f"{idle['cloud_requests_per_min']:.1f} / {idle['sqs_requests_per_min']:.1f} "
         f"({_rates(idle['cloud_by_path'])}; {_rates(idle['sqs_by_action'])})", "", ""),
    ]


def _percents(per_process: dict) -> str:
    return ", ".join(f"{name} {percent:.2f}" for name, percent in per_process.items())


def _sizes(per_process: dict) -> str:
    return ", ".join(f"{name} {mib:.0f}" for name, mib in per_process.items())


def _rates(rates: dict) -> str:
    return ", ".join(f"{name} {rate:g}" for name, rate in rates.items()) or "none"


def screenshot_rows(shots: dict) -> list[tuple]:
    rows = []
    for size, shot in shots.items():
        steps = (f"capture {ms(shot['capture_ms'])}, encode {ms(shot['encode_ms'])}, base64 {ms(shot['base64_ms'])}, "
                 f"upload {ms(shot['upload_ms'])}; preview {ms(shot['preview_ms'])}; "
                 f"PNG {shot['png_bytes'] / 1024:.0f} KiB")
        rows.append((f"Screenshot {size} (median of {shot['runs']})", steps, "", ""))
        together = shot["capture_encode_ms"]
        if size == "3840x2160":
            rows.append(("Screenshot 3840x2160: capture + encode", ms(together), "< 250 ms", verdict(together < 250)))
        else:
            rows.append((f"Screenshot {size}: capture + encode", ms(together), "", ""))
        rows.append((f"Encode {size} of a photo-like picture (gradients + noise, worst case)",
                     f"{ms(shot['photo_like_encode_ms'])} (PNG {shot['photo_like_png_bytes'] / MIB:.1f} MiB)", "", ""))
    return rows


def memory_rows(memory: dict) -> list[tuple]:
    on, off = memory["compositing"]["on"], memory["compositing"]["off"]
    long = memory["long_chat"]
    growth = long["after"]["pss_mib"] - long["before"]["pss_mib"]
    left = long["new_chat"]["pss_mib"] - long["before"]["pss_mib"]
    return [
        ("Idle live chat, PSS summed: WebKit compositing off (the app's default) / on "
         "(WEBKIT_DISABLE_COMPOSITING_MODE=0)",
         f"{off['pss_mib']:.0f} MiB ({_sizes(off['per_process_pss_mib'])}) / "
         f"{on['pss_mib']:.0f} MiB ({_sizes(on['per_process_pss_mib'])})", "≤ 200 MiB",
         verdict(off["pss_mib"] <= 200)),
        (f"PSS growth over a chat of {long['lines']} agent lines of {long['line_chars']} characters",
         f"+{growth:.0f} MiB ({long['before']['pss_mib']:.0f} → {long['after']['pss_mib']:.0f} MiB; "
         f"{_sizes(long['after']['per_process_pss_mib'])})", "≤ 30 MiB", verdict(growth <= 30)),
        ("…and after *Start a new chat* (a fresh page: a web process of its own), above the chat's start",
         f"{left:+.0f} MiB ({long['new_chat']['pss_mib']:.0f} MiB)", "≤ 5 MiB", verdict(left <= 5)),
    ]


def week_rows(week: dict) -> list[tuple]:
    after = week["pss_after_each_mib"]
    renewal = week["renewal_ms"]
    rows = [
        (f"A week in one process: {week['chats']} chats of {week['lines_per_chat']} agent lines, PSS after the "
         "last chat's *Start a new chat* above the first's (slope by least squares)",
         f"{week['last_minus_first_mib']:+.1f} MiB ({after[0]:.0f} → {after[-1]:.0f} MiB; "
         f"{week['slope_mib_per_chat']:+.2f} MiB a chat; highest {max(after):.0f})", "≤ 10 MiB",
         verdict(week["last_minus_first_mib"] <= 10)),
    ]
    if renewal:
        rows.append((f"…its {week['renewals']} fresh pages: *Start a new chat* → the new page shown, p50 / p99 / max",
                     spread(renewal), "", ""))
    return rows


def print_floor(compositing: dict) -> None:
    """Where an idle chat's PSS is, per process and per kind of mapping, with WebKit's
    compositing off and on."""
    print("\nIdle live chat, PSS per process and per mapping (MiB), compositing off (default) / on "
          "(\"-\": not among that process's largest):\n")
    print("| Process | Mapping | off | on |\n|---|---|---|---|")
    off, on = compositing["off"]["per_process_mappings_mib"], compositing["on"]["per_process_mappings_mib"]
    for process, mappings in off.items():
        other = on.get(process, {})
        kinds = list(mappings) + [kind for kind in other if kind not in mappings]
        for kind in sorted(kinds, key=lambda k: (k == "everything else", -max(mappings.get(k, 0), other.get(k, 0)))):
            print(f"| {process} | {kind} | {_mib(mappings.get(kind))} | {_mib(other.get(kind))} |")


def _mib(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def start_rows(start: dict) -> list[tuple]:
    first = ("First start, after the page cache was dropped (echo 3 > /proc/sys/vm/drop_caches, as root)"
             if start.get("first_after_caches_dropped") else "First start (the page cache could not be dropped: not root)")
    return [(f"Start to interactive window (median of {start['runs']} after the first; max)",
             f"{ms(start['median_ms'])}; {ms(start['max_ms'])}", "< 250 ms", verdict(start["median_ms"] < 250)),
            (first, ms(start["first_ms"]), "< 600 ms", verdict(start["first_ms"] < 600)),
            ("…of which the window and its webview made (app's log, median), then the page loaded",
             f"{ms(start['window_created_median_ms'])}, then "
             f"{ms(start['logged_since_start_median_ms'] - start['window_created_median_ms'])}", "", "")]


def print_table(results: dict) -> None:
    rows: list[tuple] = []
    if "core" in results:
        rows += core_rows(results["core"])
    if "window" in results:
        rows += window_rows(results["window"])
    if "memory" in results:
        rows += memory_rows(results["memory"])
    if "week" in results:
        rows += week_rows(results["week"])
    if "start" in results:
        rows += start_rows(results["start"])
    if "screenshot" in results:
        rows += screenshot_rows(results["screenshot"])
    if "size" in results:
        rows.append(("Release binary target/release/xima-chat", f"{results['size'] / MIB:.1f} MiB", "", ""))
    print("\n| Figure | Measured | Target | |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if "memory" in results:
        print_floor(results["memory"]["compositing"])
    loads = ", ".join(f"{part} {load:.2f}" for part, load in results["load"].items())
    print(f"\n1-minute load average as each part began ({os.cpu_count()} cores): {loads}")
