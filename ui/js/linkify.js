// Turns http(s) addresses in agent text into links that open in the system browser.
// Everything else stays text; nodes are built with createElement/textContent only.
import { call } from "./ipc.js";

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/**
 * Fills `element` with `text`, making web addresses clickable unless `links` is false
 * (a kiosk shows them as plain text: it has no browser to open).
 */
export function fillWithLinks(element, text, { links = true } = {}) {
  const parts = links ? linkParts(text) : [{ text }];
  element.replaceChildren(...parts.filter((part) => part.text !== "").map(nodeOf));
}

/**
 * `text` cut into `{text}` (plain) and `{href, text}` (a link) parts, in order. A link
 * shows its normalised address, the host in punycode, so `https://раураl.com` reads
 * `https://xn--…` rather than passing for paypal.com.
 */
export function linkParts(text) {
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const link = linkTo(match[0]);
    if (!link) continue; // stays in the text around it
    if (match.index > last) parts.push({ text: text.slice(last, match.index) });
    parts.push(link);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

/** The link part for an address, or null when it must stay text. */
function linkTo(raw) {
  // `https://xima.com@evil.example/` goes to evil.example: the user part is there to
  // look like the host. The authority ends where the URL parser ends it, `\` included.
  const authority = raw.slice(raw.indexOf("//") + 2).split(/[/\\?#]/)[0];
  if (authority.includes("@")) return null;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  return { href: url.href, text: shownAddress(url, raw) };
}

/** `url.href`, less the `/` the parser adds to a bare host, so a sentence reads as typed. */
function shownAddress(url, raw) {
  const addedSlash = url.pathname === "/" && !url.search && !url.hash && !raw.endsWith("/");
  return addedSlash ? url.href.slice(0, -1) : url.href;
}

function nodeOf(part) {
  if (!part.href) return part.text;
  const link = document.createElement("a");
  link.href = part.href;
  link.textContent = part.text;
  link.rel = "noopener noreferrer";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    call("open_link", { url: part.href }).catch(() => {});
  });
  return link;
}
