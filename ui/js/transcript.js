// The conversation list: entries are added or updated in place by id, never re-rendered
// wholesale, and every text goes in through textContent.
import { strings } from "./strings.js";
import { fillWithLinks } from "./linkify.js";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/**
 * @param {HTMLElement} list
 * @param {object} options
 * @param {(id: number) => void} options.onRetry
 * @param {boolean} [options.links] whether web addresses are clickable; off until told
 *   (showLinks), so a kiosk never shows a link in the moment before its settings arrive
 */
export function createTranscript(list, { onRetry, links = false }) {
  /** id → {item, entry}: the entry is kept to draw it again when `links` changes. */
  const items = new Map();
  let linksShown = links;

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
      insertInOrder(item, entry.id);
    }
    items.set(entry.id, { item, entry });
    const author = entry.author.kind;
    item.className = `entry ${author}`;
    const [meta, text] = item.children;
    const who = author === "agent" ? entry.author.name : author === "customer" ? strings.you : "";
    const time = document.createElement("time");
    time.dateTime = new Date(entry.at).toISOString();
    time.textContent = timeFormat.format(new Date(entry.at));
    meta.replaceChildren();
    if (who) {
      const name = document.createElement("span");
      name.className = "who";
      name.textContent = who;
      meta.append(name, " ");
    }
    meta.append(time);
    fillWithLinks(text, entry.text, { links: linksShown });
    renderDelivery(item, entry);
    return item;
  }

  function renderDelivery(item, entry) {
    item.querySelector(".delivery")?.remove();
    if (!entry.delivery) return;
    const status = document.createElement("div");
    status.className = `delivery ${entry.delivery.state}`;
    if (entry.delivery.state === "failed") {
      status.append(strings.failed + " ");
      status.title = entry.delivery.reason || "";
      const retry = document.createElement("button");
      retry.type = "button";
      retry.className = "inline-button";
      retry.textContent = strings.retry;
      retry.addEventListener("click", () => onRetry(entry.id));
      status.append(retry);
    } else {
      status.textContent = entry.delivery.state === "sent" ? strings.sent : strings.sending;
    }
    item.append(status);
  }

  function insertInOrder(item, id) {
    // Entries nearly always arrive in order; walk back from the end for the rare rest.
    let after = list.lastElementChild;
    while (after && Number(after.dataset.id) > id) after = after.previousElementSibling;
    if (after) after.after(item);
    else list.prepend(item);
  }

  return {
    upsert(entry) {
      const nearBottom = nearEnd();
      const item = render(entry);
      if (nearBottom || entry.author.kind === "customer") item.scrollIntoView({ block: "end" });
    },
    /** Adds or updates many entries at once, keeping what is already shown. */
    merge(entries) {
      for (const entry of entries) render(entry);
      list.lastElementChild?.scrollIntoView({ block: "end" });
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
      for (const entry of entries) render(entry);
      list.lastElementChild?.scrollIntoView({ block: "end" });
    },
  };
}
