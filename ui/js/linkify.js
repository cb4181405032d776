// Turns http(s) addresses in agent text into links that open in the system browser.
// Everything else stays text; nodes are built with createElement/textContent only.
import { call } from "./ipc.js";

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/** Fills `element` with `text`, making web addresses clickable. */
export function fillWithLinks(element, text) {
  element.replaceChildren();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (match.index > last) element.append(text.slice(last, match.index));
    const link = document.createElement("a");
    link.href = match[0];
    link.textContent = match[0];
    link.rel = "noopener noreferrer";
    link.addEventListener("click", (event) => {
      event.preventDefault();
      call("open_link", { url: match[0] }).catch(() => {});
    });
    element.append(link);
    last = match.index + match[0].length;
  }
  if (last < text.length) element.append(text.slice(last));
}
