// The consent dialog for TAKE_SCREENSHOT: ask, capture and preview, then send or decline.
// Nothing leaves the computer until the customer presses Send after seeing the preview.
import { call } from "./ipc.js";
import { t, failureText } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/**
 * @param {object} options
 * @param {(text: string) => void} options.announce
 * @param {() => HTMLElement} options.focusAfter where the keyboard goes when the dialog
 *   closes and what had focus before it is gone or hidden
 */
export function createScreenshotDialog({ announce, focusAfter }) {
  const dialog = $("screenshot-dialog");
  let state = { open: false, preview: null, busy: false, error: "" };
  /** What had the keyboard before the dialog took it. */
  let opener = null;
  // Which request the dialog is showing: an answer that comes back after the dialog was
  // closed (the chat ended, a kiosk started over) or opened again belongs to an old one.
  let request = 0;

  function render() {
    // Out of the way while the screen is read: the agent asked for the customer's
    // screen, not for our dialog on top of it.
    const shown = state.open && !state.capturing;
    if (shown && !dialog.open) {
      if (!dialog.contains(document.activeElement)) opener = document.activeElement;
      // Modal: the rest of the window is inert, so Tab stays inside; Escape declines.
      dialog.showModal();
    }
    if (!shown && dialog.open) dialog.close();
    if (!state.open && opener) giveFocusBack();
    $("screenshot-text").textContent = state.preview ? t("screenshotPreviewText") : t("screenshotText");
    $("screenshot-preview").hidden = !state.preview;
    if (state.preview) $("screenshot-preview").src = state.preview;
    else $("screenshot-preview").removeAttribute("src");
    $("screenshot-accept").textContent = state.busy
      ? t("screenshotCapturing")
      : state.preview ? t("screenshotSend") : t("screenshotCapture");
    $("screenshot-accept").disabled = state.busy;
    $("screenshot-error").textContent = state.error;
  }

  function giveFocusBack() {
    const back = opener?.isConnected && !opener.closest("[hidden]") && opener !== document.body ? opener : focusAfter();
    opener = null;
    if (back && !back.closest("[hidden]")) back.focus();
  }

  /** Resolves once the page has been drawn without the dialog, and the screen has it. */
  function painted() {
    return new Promise((resolve) => {
      requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 100)));
    });
  }

  async function offerScreens() {
    const screens = await call("list_screens").catch(() => []);
    const select = $("screen");
    select.replaceChildren(new Option(t("allScreens"), ""),
      ...screens.map((screen, index) => new Option(t(screen.primary ? "screenNameMain" : "screenName",
        { number: index + 1, width: String(screen.width), height: String(screen.height) }), String(screen.id))));
    $("screen-choice").hidden = screens.length < 2;
  }

  async function accept() {
    const asked = request;
    state = { ...state, busy: true, error: "" };
    render();
    let next;
    try {
      if (!state.preview) {
        const choice = $("screen").value;
        state = { ...state, capturing: true };
        render();
        await painted();
        const shot = await call("capture_screenshot", { screen: choice ? Number(choice) : null });
        next = { ...state, capturing: false, preview: shot.preview };
      } else {
        await call("respond_screenshot", { send: true });
        next = { open: false, preview: null, busy: false, error: "" };
      }
    } catch (failure) {
      // A failed capture was already declined to the agent; the dialog can close.
      next = { ...state, capturing: false, preview: null, error: failureText(failure) };
    }
    if (asked !== request) return;
    state = { ...next, busy: false };
    render();
  }

  async function decline() {
    request += 1;
    state = { open: false, preview: null, busy: false, error: "" };
    render();
    await call("respond_screenshot", { send: false }).catch(() => {});
  }

  $("screenshot-accept").addEventListener("click", accept);
  $("screenshot-decline").addEventListener("click", decline);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    decline();
  });

  render();
  return {
    open() {
      request += 1;
      state = { open: true, preview: null, busy: false, error: "" };
      offerScreens();
      announce(t("screenshotTitle"));
      render();
    },
    close(reason) {
      if (!state.open) return;
      request += 1;
      state = { open: false, preview: null, busy: false, error: "" };
      if (reason) announce(reason);
      render();
    },
  };
}
