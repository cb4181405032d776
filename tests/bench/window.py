"""Figures of the real app (release build): agent messages reaching the DOM, one at a
time and in a burst; the footprint of an idle live chat; the start to an interactive
window. Agent messages go straight into the session's SQS queue with boto3; the page
stamps each new transcript line with Date.now() in a MutationObserver, on the same
clock as Python's time.time()."""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
import re
import statistics
import time

import focus
import procs
from app import DirectApp, apps_of, new_installation, open_window, tauri_driver, until_gone
from cloud import MotoRecorder, chat_ended, chat_started, chat_text, mentions, sqs_action

MESSAGES, WARM_UP, BURST = 200, 5, 1000
# A long chat: agent lines of about 120 characters.
LONG_CHAT, LINE_CHARS = 5000, 120
# A week of chats (--only week): each this long, measured this long after it ended.
WEEK_LINES, WEEK_SETTLE_SECONDS = 100, 3
# Messages are paced rather than awaited through WebDriver, so no WebDriver command runs
# in the page while a message is on its way; each is checked to have been shown before
# the next was sent.
PAUSE = 0.25
IDLE_SECONDS, SETTLE_SECONDS, SAMPLE_EVERY = 60, 10, 5
# Screen points on the session's 1280x800 Xvfb: an unmanaged window opens at the top
# left (420x640), so the first is over it and the second is not.
INSIDE_WINDOW, OUTSIDE_WINDOW = (200, 300), (1270, 790)

# Stamps every agent line added to the transcript (ui/js/transcript.js adds <li class="entry agent">).
OBSERVER = """
window.__bench = [];
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records)
    for (const node of record.addedNodes)
      if (node.nodeType === 1 && node.classList.contains("agent"))
        window.__bench.push([node.querySelector(".text").textContent, now]);
}).observe(document.getElementById("transcript"), { childList: true });
"""


def now_ms() -> float:
    return time.time() * 1000


def nearest_rank(ordered: list[float], p: float) -> float:
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": nearest_rank(ordered, 0.50), "p99_ms": nearest_rank(ordered, 0.99),
            "max_ms": ordered[-1]}


def rate_by(items: list, key, per_minute: float) -> dict:
    """How many of `items` per minute, for each value of `key`."""
    counts: dict = {}
    for item in items:
        counts[key(item)] = counts.get(key(item), 0) + 1
    return {name: round(count * per_minute, 2) for name, count in sorted(counts.items())}


def seen_lines(driver, prefix: str, count: int, timeout: float) -> dict[str, float]:
    """Waits until `count` stamped lines starting with `prefix` are in, then returns them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script("return window.__bench.filter(([t]) => t.startsWith(arguments[0])).length",
                                 prefix) >= count:
            break
        time.sleep(0.5)
    return {text: at for text, at in driver.execute_script("return window.__bench") if text.startswith(prefix)}


def dom_latency(driver, sqs, queue: str) -> dict:
    texts = [f"latency {index:03}" for index in range(WARM_UP + MESSAGES)]
    sent = {}
    for text in texts:
        time.sleep(PAUSE)
        sent[text] = now_ms()
        sqs.send_message(QueueUrl=queue, MessageBody=chat_text(text))
    shown = seen_lines(driver, "latency ", len(texts), 60)
    measured = texts[WARM_UP:]
    missing = [text for text in measured if text not in shown]
    if missing:
        raise RuntimeError(f"{len(missing)} messages never reached the DOM, e.g. {missing[0]!r}")
    samples = [shown[text] - sent[text] for text in measured]
    figures = percentiles(samples)
    # Was each shown before the next was sent (the last warm-up one before the first measured)?
    figures["overlapped"] = sum(shown[a] > sent[b] for a, b in zip(texts[WARM_UP - 1:], measured))
    figures["samples_ms"] = [round(sample, 1) for sample in samples]
    return figures


def dom_burst(driver, sqs, queue: str) -> dict:
    texts = [f"burst {index:04}" for index in range(BURST)]
    started = now_ms()
    for first in range(0, BURST, 10):
        entries = [{"Id": str(index), "MessageBody": chat_text(texts[index])} for index in range(first, first + 10)]
        failed = sqs.send_message_batch(QueueUrl=queue, Entries=entries).get("Failed")
        if failed:
            raise RuntimeError(f"moto refused part of a batch: {failed}")
    send_ms = now_ms() - started
    shown = seen_lines(driver, "burst ", BURST, 180)
    time.sleep(2)  # anything more would be a duplicate
    # In the order the page added them, from the observer's stamps: the page itself keeps
    # only its latest lines (ui/js/transcript.js), so reading it afterwards would count
    # the lines it let go as lost.
    added = [text for text, _ in driver.execute_script("return window.__bench") if text.startswith("burst ")]
    return {"n": BURST, "send_ms": send_ms, "all_shown_ms": max(shown.values(), default=started) - started,
            "lost": len(set(texts) - set(added)), "duplicates": len(added) - len(set(added)),
            "in_order": added == texts}


def live_chat_in_window(window, sim, sqs_endpoint):
    window.start_chat()
    session = window.session(sim)
    sqs = sim.sqs_for(window.installation, sqs_endpoint)
    queue = sim.queue_url(session)
    sqs.send_message(QueueUrl=queue, MessageBody=chat_started())
    window.wait("the agent to pick up", lambda: window.visible("#composer"))
    return session, sqs, queue


def look_at_window(focused: bool) -> None:
    """The pointer over the window (focused: a customer watching the chat) or away
    from it (the window in the background: each agent line also chimes and notifies)."""
    focus.pointer_to(*(INSIDE_WINDOW if focused else OUTSIDE_WINDOW))
    time.sleep(0.5)


def message_figures(sim, sqs_endpoint: str, focused: bool) -> dict:
    installation = new_installation(sim.url)
    with tauri_driver() as service:
        window = open_window(service.url, installation)
        driver = window.driver
        apps = apps_of(service)
        try:
            _, sqs, queue = live_chat_in_window(window, sim, sqs_endpoint)
            look_at_window(focused)
            has_focus = driver.execute_script("return document.hasFocus()")
            if has_focus != focused:
                raise RuntimeError(f"the window should{'' if focused else ' not'} have the focus")
            driver.execute_script(OBSERVER)
            print(f"  window ({'focused' if focused else 'background'}): 200 messages one at a time", flush=True)
            latency = dom_latency(driver, sqs, queue)
            print(f"  window ({'focused' if focused else 'background'}): burst of 1000", flush=True)
            burst = dom_burst(driver, sqs, queue)
        finally:
            driver.quit()
            until_gone(apps)
    return {"dom_latency": latency, "dom_burst": burst}


@contextmanager
def resumed_chat(sim, sqs_endpoint: str, log_name: str, env: dict[str, str] | None = None):
    """A live chat, picked up by an agent, in the app started straight from its binary
    (no WebDriver): it resumes the chat a WebDriver session started. Yields the app,
    the installation, the session and the queue."""
    installation = new_installation(sim.url)
    with tauri_driver() as service:
        window = open_window(service.url, installation)
        apps = apps_of(service)
        try:
            session, _, queue = live_chat_in_window(window, sim, sqs_endpoint)
        finally:
            window.driver.quit()
            until_gone(apps)
    app = DirectApp(installation, log_name, env)
    try:
        app.wait_for_line("resumed the chat")
        yield app, installation, session, queue
    finally:
        app.stop()


def idle_footprint(sim, sqs_endpoint: str, recorder: MotoRecorder, focused: bool) -> dict:
    """A live chat left alone."""
    with resumed_chat(sim, sqs_endpoint, "idle.log") as (app, installation, session, queue):
        look_at_window(focused)
        time.sleep(SETTLE_SECONDS)
        print(f"  window ({'focused' if focused else 'background'}): idle live chat for {IDLE_SECONDS} s", flush=True)
        return measure_idle(app.process.pid, sim, recorder, session, installation.id, queue.rsplit("/", 1)[-1])


def settled_pss(pids: list[int], samples: int = 3) -> dict:
    """PSS of the processes once they have settled: the mean of a few samples, and
    each process's share at the last."""
    time.sleep(SETTLE_SECONDS)
    sums = []
    for _ in range(samples):
        sums.append(sum(procs.memory(p).pss_kib for p in pids if procs.alive(p)))
        time.sleep(SAMPLE_EVERY)
    live = [p for p in pids if procs.alive(p)]
    return {"pss_mib": statistics.mean(sums) / 1024,
            "per_process_pss_mib": {procs.name(p): round(procs.memory(p).pss_kib / 1024, 1) for p in live},
            "per_process_mappings_mib": {procs.name(p): largest_mappings(p) for p in live}}


def largest_mappings(pid: int, count: int = 8) -> dict[str, float]:
    """Where a process's PSS is: its largest kinds of mapping, and the rest together."""
    kinds = list(procs.pss_by_mapping(pid).items())
    largest = {kind: round(kib / 1024, 1) for kind, kib in kinds[:count]}
    largest["everything else"] = round(sum(kib for _, kib in kinds[count:]) / 1024, 1)
    return largest


def compositing_footprint(sim, sqs_endpoint: str) -> dict:
    """An idle live chat with WebKit's accelerated compositing off (the app's default)
    and on (WEBKIT_DISABLE_COMPOSITING_MODE=0: a value the user set is left to WebKit),
    one after the other in the same run."""
    figures = {}
    for name, env in [("on", {"WEBKIT_DISABLE_COMPOSITING_MODE": "0"}), ("off", {})]:
        print(f"  memory: idle live chat, compositing {name}", flush=True)
        with resumed_chat(sim, sqs_endpoint, f"compositing-{name}.log", env) as (app, *_):
            look_at_window(True)
            figures[name] = settled_pss(procs.process_tree(app.process.pid))
    return figures


def long_chat_growth(sim, sqs_endpoint: str) -> dict:
    """PSS of the app and its WebKit processes as a chat grows to 5000 agent lines, and
    once the customer has started a new chat (which, after that many lines, the app
    does in a fresh page with a web process of its own)."""
    installation = new_installation(sim.url)
    filler = "Thank you for waiting; I am checking the order history and the delivery notes for you now. "
    texts = [f"long {index:04} {filler}"[:LINE_CHARS] for index in range(LONG_CHAT)]
    with tauri_driver() as service:
        window = open_window(service.url, installation)
        apps = apps_of(service)
        driver = window.driver
        try:
            _, sqs, queue = live_chat_in_window(window, sim, sqs_endpoint)
            look_at_window(True)
            print("  memory: a chat of 5000 agent lines", flush=True)
            before = settled_pss(procs.process_tree(apps[0]))
            driver.execute_script(OBSERVER)
            for first in range(0, LONG_CHAT, 10):
                entries = [{"Id": str(index), "MessageBody": chat_text(texts[index])}
                           for index in range(first, first + 10)]
                sqs.send_message_batch(QueueUrl=queue, Entries=entries)
            shown = seen_lines(driver, "long ", LONG_CHAT, 900)
            if len(shown) < LONG_CHAT:
                raise RuntimeError(f"only {len(shown)} of {LONG_CHAT} lines reached the window")
            driver.execute_script("window.__bench = [];")  # the stamps are the bench's, not the app's
            after = settled_pss(procs.process_tree(apps[0]))
            sqs.send_message(QueueUrl=queue, MessageBody=chat_ended())
            window.wait("the ended view", lambda: window.visible("#ended"))
            web_processes = window.web_processes()
            window.find("#new-chat").click()
            window.wait("the fresh page", lambda: window.web_processes() and not set(web_processes) & set(window.web_processes()))
            window.wait("the pre-chat form", lambda: window.visible("#start-form"))
            new_chat = settled_pss(procs.process_tree(apps[0]))
        finally:
            driver.quit()
            until_gone(apps)
    return {"lines": LONG_CHAT, "line_chars": LINE_CHARS, "before": before, "after": after, "new_chat": new_chat}


def week_of_chats(sim, sqs_endpoint: str, chats: int) -> dict:
    """A help desk's week in one release process: `chats` chats of WEEK_LINES agent lines,
    each ended by the agent and followed by *Start a new chat*, with the PSS of the app
    and its WebKit processes after each. The page renews itself as the app decides
    (src-tauri/core/src/chat/page_renewal.rs): every thousand lines on a desk."""
    installation = new_installation(sim.url)
    filler = "Thank you for waiting; I am checking the order history and the delivery notes for you now. "
    with tauri_driver() as service:
        window = open_window(service.url, installation)
        apps = apps_of(service)
        driver = window.driver
        after = []
        try:
            look_at_window(True)
            for chat in range(chats):
                window.wait("the pre-chat form", lambda: window.visible("#start-form"))
                for field in ("#name", "#email"):
                    window.find(field).clear()
                window.start_chat()
                window.wait("the chat session", lambda: len(sim.sessions(window.installation)) == chat + 1)
                queue = sim.queue_url(sim.sessions(window.installation)[-1])
                sqs = sim.sqs_for(window.installation, sqs_endpoint)
                sqs.send_message(QueueUrl=queue, MessageBody=chat_started())
                window.wait("the agent to pick up", lambda: window.visible("#composer"))
                # One observer per page: a page kept for the next chat has its own still.
                if driver.execute_script("return window.__bench === undefined"):
                    driver.execute_script(OBSERVER)
                driver.execute_script("window.__bench = [];")
                prefix = f"week {chat:02} "
                texts = [f"{prefix}{index:03} {filler}"[:LINE_CHARS] for index in range(WEEK_LINES)]
                for first in range(0, WEEK_LINES, 10):
                    entries = [{"Id": str(index), "MessageBody": chat_text(texts[index])}
                               for index in range(first, first + 10)]
                    sqs.send_message_batch(QueueUrl=queue, Entries=entries)
                if len(seen_lines(driver, prefix, WEEK_LINES, 120)) < WEEK_LINES:
                    raise RuntimeError(f"chat {chat}: not every line reached the window")
                sqs.send_message(QueueUrl=queue, MessageBody=chat_ended())
                window.wait("the ended view", lambda: window.visible("#ended"))
                window.find("#new-chat").click()
                window.wait("the pre-chat form", lambda: window.visible("#start-form"))
                time.sleep(WEEK_SETTLE_SECONDS)
                pss = tree_pss_mib(apps[0])
                after.append(pss)
                print(f"  week: chat {chat + 1}/{chats}: {pss:.1f} MiB", flush=True)
        finally:
            driver.quit()
            until_gone(apps)
    logs = "".join(log.read_text() for log in (installation.home / "logs").glob("*.log"))
    renewals = [float(ms) for ms in re.findall(r"the fresh page took the window ms=(\d+)", logs)]
    return {"chats": chats, "lines_per_chat": WEEK_LINES, "pss_after_each_mib": [round(p, 1) for p in after],
            "slope_mib_per_chat": slope(after), "last_minus_first_mib": after[-1] - after[0],
            "renewals": len(renewals), "renewal_ms": percentiles(renewals) if renewals else None}


def tree_pss_mib(root: int, samples: int = 2) -> float:
    """The PSS of `root` and its descendants as they are now (a renewed page's web
    process included, the closed page's not), the mean of a few samples a second apart."""
    sums = []
    for sample in range(samples):
        if sample:
            time.sleep(1)
        sums.append(sum(procs.memory(p).pss_kib for p in procs.process_tree(root) if procs.alive(p)))
    return statistics.mean(sums) / 1024


def slope(values: list[float]) -> float:
    """The least-squares slope of `values` against their index."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, statistics.mean(values)
    return (sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
            / sum((x - mean_x) ** 2 for x in range(n)))


def measure_idle(pid: int, sim, recorder: MotoRecorder, session: str, installation: str, queue_name: str) -> dict:
    pids = procs.process_tree(pid)
    recorder.start()
    started_at, started = time.time(), time.monotonic()
    ticks = {p: procs.cpu_ticks(p) for p in pids}
    rss, pss = [], []
    while time.monotonic() - started < IDLE_SECONDS:
        time.sleep(SAMPLE_EVERY)
        memory = [procs.memory(p) for p in pids]
        rss.append(sum(m.rss_kib for m in memory))
        pss.append(sum(m.pss_kib for m in memory))
    ticks = {p: procs.cpu_ticks(p) - ticks[p] for p in pids}
    seconds, ended_at = time.monotonic() - started, time.time()
    recorded = recorder.stop()
    per_minute = 60 / seconds
    percent = lambda used: used / procs.CLOCK_TICKS / seconds * 100  # noqa: E731
    cloud = [r for r in sim.requests() if started_at <= r["at"] <= ended_at
             and (session in r["body"] or installation in str(r["query"]))]
    sqs = [r for r in recorded if mentions(r, queue_name)]
    return {
        "seconds": round(seconds, 1),
        "cpu_percent": percent(sum(ticks.values())),
        "per_process_cpu_percent": {procs.name(p): round(percent(used), 3) for p, used in ticks.items()},
        "rss_mib": statistics.mean(rss) / 1024, "rss_max_mib": max(rss) / 1024,
        "pss_mib": statistics.mean(pss) / 1024, "pss_max_mib": max(pss) / 1024,
        "per_process_rss_mib": {procs.name(p): round(procs.memory(p).rss_kib / 1024, 1) for p in pids},
        "per_process_pss_mib": {procs.name(p): round(procs.memory(p).pss_kib / 1024, 1) for p in pids},
        "cloud_requests_per_min": round(len(cloud) * per_minute, 2),
        "cloud_by_path": rate_by(cloud, lambda r: r["path"], per_minute),
        "sqs_requests_per_min": round(len(sqs) * per_minute, 2),
        "sqs_by_action": rate_by(sqs, sqs_action, per_minute),
        "load_average": os.getloadavg()[0],
    }


def cold_start(sim_url: str, runs: int = 10) -> dict:
    """Spawn to the "window interactive" log line (the main window's page finished
    loading), straight from the binary, `runs` times after one unmeasured first start."""
    installation = new_installation(sim_url)
    spawn_to_line, since_start, window_made = [], [], []
    first = None
    caches_dropped = drop_page_cache()
    for run in range(runs + 1):
        app = DirectApp(installation, "cold-start.log")
        try:
            _, created = app.wait_for_line("window created")
            at, line = app.wait_for_line("window interactive")
        finally:
            app.stop()
        elapsed = (at - app.spawned) * 1000
        if run == 0:
            first = elapsed
            continue
        spawn_to_line.append(elapsed)
        since_start.append(logged_ms(line))
        window_made.append(logged_ms(created))
        time.sleep(0.5)
    return {"runs": runs, "median_ms": statistics.median(spawn_to_line), "max_ms": max(spawn_to_line),
            "first_ms": first, "first_after_caches_dropped": caches_dropped,
            "logged_since_start_median_ms": statistics.median(since_start),
            "window_created_median_ms": statistics.median(window_made)}


def drop_page_cache() -> bool:
    """The first start as a customer's first of the day: the binary and its libraries no
    longer in the kernel's page cache (`echo 3 > /proc/sys/vm/drop_caches`, root only).
    Says whether it could."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as knob:
            knob.write("3\n")
    except OSError:
        return False
    return True


def logged_ms(line: str) -> float:
    """The since_start_ms an app's log line carries."""
    logged = re.search(r"since_start_ms=(\d+)", line)
    if not logged:
        raise RuntimeError(f"no since_start_ms in {line!r}")
    return float(logged.group(1))
