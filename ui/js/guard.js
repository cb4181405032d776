// The window is an app, not a browser: nothing the customer does with the mouse may take
// it somewhere else. The shell refuses every navigation away from the app's pages
// (shell/navigation.rs); this takes away the ways of asking for one, so nothing is
// offered that then silently fails: the webview's own menu (Open Link, Open in New
// Window, Inspect), the middle click that opens a link in a new window, and dragging a
// link or an image out of the window or a URL into it. Links open in the system
// browser through their own click handler (linkify.js), never here.

const refuse = (event) => event.preventDefault();

/** Text fields keep their menu: cut, copy and paste are what customers reach for. */
function refuseMenu(event) {
  if (!event.target.closest?.("input, textarea")) event.preventDefault();
}

/** A middle click starts an auto-scroll or a new-window open before auxclick fires. */
function refuseMiddleButton(event) {
  if (event.button === 1) event.preventDefault();
}

for (const kind of ["auxclick", "dragstart", "dragover", "drop"]) {
  document.addEventListener(kind, refuse, { capture: true });
}
document.addEventListener("contextmenu", refuseMenu, { capture: true });
document.addEventListener("mousedown", refuseMiddleButton, { capture: true });
