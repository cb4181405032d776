// Kiosk mode: a shared screen in a shop or lobby. The window goes back to a wiped start
// screen a while after each chat ends, or after nobody has touched it for a while; the
// core does the wiping (new_chat), this module decides when.

const ACTIVITY = ["pointerdown", "keydown", "input", "wheel", "touchstart"];

/**
 * @param {object} options
 * @param {{resetAfterEndSeconds: number, idleResetSeconds: number}} options.kiosk
 * @param {() => string} options.phase the chat's phase now
 * @param {() => boolean} options.hasInput whether the start form has anything typed in
 * @param {() => Promise<void>} options.reset ends a live chat and wipes everything
 * @param {(seconds: number|null) => void} options.onCountdown shows the time left after a chat
 */
export function createKioskTimers({ kiosk, phase, hasInput, reset, onCountdown }) {
  let lastActivity = Date.now();
  let endedAt = null;
  let resetting = false;

  const touched = () => { lastActivity = Date.now(); };
  for (const kind of ACTIVITY) document.addEventListener(kind, touched, { capture: true, passive: true });

  async function resetNow() {
    if (resetting) return;
    resetting = true;
    try {
      await reset();
    } finally {
      resetting = false;
      endedAt = null;
      touched();
      onCountdown(null);
    }
  }

  function tick() {
    const now = Date.now();
    const current = phase();
    if (current === "ended") {
      endedAt ??= now;
      const left = kiosk.resetAfterEndSeconds - Math.floor((now - endedAt) / 1000);
      onCountdown(Math.max(left, 0));
      if (left <= 0) return resetNow();
    } else {
      endedAt = null;
    }
    // Untouched with something of a customer on screen: start over.
    const somethingShown = current !== "idle" || hasInput();
    if (somethingShown && current !== "starting" && now - lastActivity >= kiosk.idleResetSeconds * 1000) {
      return resetNow();
    }
  }

  setInterval(tick, 1000);

  return {
    /** Anything the chat does (an agent's message, a state change) counts as activity. */
    touched,
  };
}
