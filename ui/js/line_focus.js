// The conversation by keyboard: one stop in the Tab order, on a line, so Shift+Tab from
// the message box reaches what was just said (the newest line) without walking through
// every line of a long chat; Up, Down, Home and End move between lines there, and a
// line's own Retry button or links follow it in the Tab order. A screen reader reads the
// line that has focus.

const MOVES = {
  ArrowUp: (lines, at) => lines[Math.max(at - 1, 0)],
  ArrowDown: (lines, at) => lines[Math.min(at + 1, lines.length - 1)],
  Home: (lines) => lines[0],
  End: (lines) => lines.at(-1),
};

/** @param {HTMLElement} list the transcript, whose `.entry` children are its lines */
export function createLineFocus(list) {
  /** The line in the Tab order. */
  let stop = null;
  /** The line the customer moved to while they read there; none once they leave. */
  let chosen = null;

  const lines = () => [...list.querySelectorAll(":scope > .entry")];

  /** Keeps exactly one line in the Tab order: the chosen one, else the newest. */
  function refresh() {
    if (chosen && !chosen.isConnected) chosen = null;
    const next = chosen ?? lines().at(-1) ?? null;
    if (next === stop) return;
    if (stop) stop.tabIndex = -1;
    if (next) next.tabIndex = 0;
    stop = next;
  }

  list.addEventListener("keydown", (event) => {
    const move = MOVES[event.key];
    if (!move || !event.target.classList?.contains("entry") || event.altKey || event.ctrlKey || event.metaKey) return;
    const all = lines();
    const to = move(all, all.indexOf(event.target));
    if (!to) return;
    event.preventDefault();
    chosen = to;
    refresh();
    to.focus();
  });
  list.addEventListener("focusin", (event) => {
    if (event.target.classList?.contains("entry")) {
      chosen = event.target;
      refresh();
    }
  });
  // Back in the conversation later, the customer lands on what is newest by then.
  list.addEventListener("focusout", (event) => {
    if (!list.contains(event.relatedTarget)) {
      chosen = null;
      refresh();
    }
  });

  return {
    /** A line the page just drew: out of the Tab order until it is the stop. */
    adopt(line) {
      if (line !== stop) line.tabIndex = -1;
    },
    refresh,
  };
}
