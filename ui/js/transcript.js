// The conversation list: entries are added or updated in place by id, never re-rendered
// wholesale, and every text goes in through textContent.
//
// Only the most recent lines stay in the page: a long chat kept every line's nodes,
// styles and layout in the web process (tens of KiB a line), while the core keeps the
// whole transcript, on disk and in exports. Above the oldest line shown, a marker says
// how many earlier ones there are and brings them back, a page at a time.
import { t, tCode, timeOfDay } from "./i18n.js";
import { fillWithLinks } from "./linkify.js";
import { createLineFocus } from "./line_focus.js";

/** How many lines the page keeps, and how many more each "show earlier" brings back. */
const PAGE = 300;

/**
 * A line of the app's own (who joined, why the chat ended …) in the customer's language:
 * the core sends its code and what it names; `english` is the core's own wording, for a
 * code this page does not know.
 */
function lineText({ code, ...named }, english) {
  return code === "ended" ? tCode("ended", named.reason, named, english) : tCode("", code, named, english);
}

/** What an entry says, as the window shows it: the app's own lines in the customer's language. */
export function entryText(entry) {
  return entry.line ? lineText(entry.line, entry.text) : entry.text;
}

/**
 * @param {HTMLElement} list
 * @param {object} options
 * @param {(id: number) => void} options.onRetry
 * @param {() => void} options.onShowEarlier the customer asked for the lines above the
 *   oldest shown; answer with showEarlier(the whole transcript)
 * @param {boolean} [options.links] whether web addresses are clickable; off until told
 *   (showLinks), so a kiosk never shows a link in the moment before its settings arrive
 */
export function createTranscript(list, { onRetry, onShowEarlier, links = false }) {
  /** id → {item, entry}: the entry is kept to draw it again when `links` changes. */
  const items = new Map();
  let linksShown = links;
  /** How many lines the page keeps now; "show earlier" raises it while the customer reads above. */
  let limit = PAGE;
  /** Lines of this chat older than the oldest shown, and the marker that says so. */
  let hidden = 0;
  let earlier = null;
  const focus = createLineFocus(list);

  // The list shrinks when the ended panel takes the composer's place (or the window gets
  // smaller); a customer reading the newest lines must still see them, the agent's
  // goodbye among them, instead of having them pushed under the panel.
  const nearEnd = (height = list.clientHeight) => list.scrollHeight - list.scrollTop - height < 80;
  // Judged by the height the list had before it changed: by the time the new size is
  // known, the end has already slid out of the smaller box (and scroll events, which
  // run first, see it gone).
  let shownHeight = list.clientHeight;
  new ResizeObserver(() => {
    const wasReadingTheEnd = nearEnd(shownHeight);
    shownHeight = list.clientHeight;
    if (wasReadingTheEnd) list.scrollTop = list.scrollHeight;
  }).observe(list);

  function render(entry) {
    let item = items.get(entry.id)?.item;
    if (!item) {
      item = document.createElement("li");
      item.dataset.id = String(entry.id);
      const meta = document.createElement("div");
      meta.className = "meta";
      const text = document.createElement("div");
      text.className = "text";
      item.append(meta, text);
      focus.adopt(item);
      insertInOrder(item, entry.id);
    }
    items.set(entry.id, { item, entry });
    const author = entry.author.kind;
    item.className = `entry ${author}`;
    const [meta, text] = item.children;
    const who = author === "agent" ? entry.author.name : author === "customer" ? t("you") : "";
    const time = document.createElement("time");
    time.dateTime = new Date(entry.at).toISOString();
    time.textContent = timeOfDay(new Date(entry.at));
    meta.replaceChildren();
    if (who) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
      meta.append(name, " ");
    }
    meta.append(time);
    fillWithLinks(text, entryText(entry), { links: linksShown });
    renderDelivery(item, entry);
    return item;
  }

  function renderDelivery(item, entry) {
    const shown = item.querySelector(".delivery");
    // A Retry pressed from the keyboard goes with the status it was in: the keyboard
    // stays on the line rather than falling out of the page.
    const hadFocus = Boolean(shown?.contains(document.activeElement));
    shown?.remove();
    if (hadFocus) item.focus();
    if (!entry.delivery) return;
    const status = document.createElement("div");
    status.className = `delivery ${entry.delivery.state}`;
    const state = entry.delivery.state;
    if (state === "failed" || state === "uncertain") {
      status.append(t(state) + " ");
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "inline-button";
      retry.textContent = t("retry");
      retry.addEventListener("click", () => onRetry(entry.id));
      status.append(retry);
    } else {
      status.textContent = t({ sent: "sent", waiting: "waiting" }[state] ?? "sending");
    }
    item.append(status);
  }

  function insertInOrder(item, id) {
    // Entries nearly always arrive in order; walk back from the end for the rare rest.
    // The walk stops at the marker (it has no id), so nothing goes above it.
    let after = list.lastElementChild;
    while (after && Number(after.dataset.id) > id) after = after.previousElementSibling;
    if (after) after.after(item);
    else list.prepend(item);
  }

  /** The oldest line in the page (the marker, when there is one, is above it). */
  const firstShown = () => (earlier ? earlier.nextElementSibling : list.firstElementChild);

  const oldestShown = () => {
    const first = firstShown();
    return first ? Number(first.dataset.id) : Infinity;
  };

  /** A line older than the oldest shown, not itself shown: it stays in the core only. */
  const outOfPage = (entry) => hidden > 0 && !items.has(entry.id) && entry.id < oldestShown();

  function trim() {
    while (items.size > limit) {
      const first = firstShown();
      if (!first) break;
      items.delete(Number(first.dataset.id));
      first.remove();
      hidden += 1;
    }
    showMarker();
  }

  function showMarker() {
    if (hidden === 0) {
      earlier?.remove();
      earlier = null;
      return;
    }
    if (!earlier) {
      earlier = document.createElement("li");
      earlier.className = "earlier";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "inline-button";
      button.textContent = t("showEarlier");
      button.addEventListener("click", () => onShowEarlier?.());
      earlier.append(document.createElement("span"), " ", button);
      list.prepend(earlier);
    }
    earlier.firstElementChild.textContent = t("earlierNotShown", { count: hidden });
  }

  /** `entries` is the whole transcript: counts exactly what is above the page. */
  function countHidden(entries) {
    const oldest = oldestShown();
    hidden = entries.filter((entry) => entry.id < oldest && !items.has(entry.id)).length;
    showMarker();
  }

  return {
    /** Adds or updates entries in order, as one change of the page: one look at where
     * the customer is reading, one trim, one scroll. */
    upsertMany(entries) {
      const shown = entries.filter((entry) => !outOfPage(entry));
      if (shown.length === 0) return;
      const nearBottom = nearEnd();
      let item;
      for (const entry of shown) item = render(entry);
      // Lines leave the top only while the customer follows the end: taken from above
      // what they are reading, the text would jump (WebKit has no scroll anchoring).
      // Back at the end, the earlier pages they brought back go again.
      if (nearBottom || shown.some((entry) => entry.author.kind === "customer")) {
        limit = PAGE;
        trim();
        item.scrollIntoView({ block: "end" });
      }
      focus.refresh();
    },
    upsert(entry) {
      this.upsertMany([entry]);
    },
    /** Adds or updates from the whole transcript, keeping what is already shown; only
     * the most recent lines are drawn. */
    merge(entries) {
      const newest = entries.slice(-limit);
      const from = newest.length ? newest[0].id : Infinity;
      for (const entry of entries) if (entry.id >= from || items.has(entry.id)) render(entry);
      trim();
      countHidden(entries);
      list.lastElementChild?.scrollIntoView({ block: "end" });
      focus.refresh();
    },
    /** Draws a page of the lines above the oldest shown, from the whole transcript,
     * leaving the lines the customer was reading where they were on screen. */
    showEarlier(entries) {
      const oldest = oldestShown();
      const page = entries.filter((entry) => entry.id < oldest).slice(-PAGE);
      const below = list.scrollHeight - list.scrollTop;
      limit += page.length;
      for (const entry of page) render(entry);
      countHidden(entries);
      list.scrollTop = list.scrollHeight - below;
      focus.refresh();
    },
    /** The newest entry's text if the app wrote it (a system line such as how the chat ended), else "". */
    lastSystemLine() {
      const last = list.lastElementChild;
      return last?.classList.contains("system") ? last.querySelector(".text").textContent : "";
    },
    /** Whether addresses are links (a desk) or plain text (a kiosk); redraws what is shown. */
    showLinks(enabled) {
      if (enabled === linksShown) return;
      linksShown = enabled;
      for (const { entry } of items.values()) render(entry);
    },
    reset(entries) {
      items.clear();
      list.replaceChildren();
      earlier = null;
      hidden = 0;
      limit = PAGE;
      this.merge(entries);
    },
  };
}
