// Kiosk mode: a shared screen in a shop or lobby. The window goes back to a wiped start
// screen a while after each chat ends, or after nobody has touched it for a while; the
// core does the wiping (new_chat), this module decides when.
//
// Only the customer's own hands count as somebody being there. Whatever the chat does
// (an agent asking "still there?" every two minutes) says nothing about the screen, and
// counting it would keep a finished customer's chat up for ever.

const ACTIVITY = ["pointerdown", "keydown", "input", "wheel", "touchstart"];

// A monotonic clock: setting the computer's clock (NTP, a time zone fix, somebody at the
// settings) must neither start a screen over at once nor stop it from ever starting over.
const now = () => performance.now();

/**
 * @param {object} options
 * @param {{resetAfterEndSeconds: number, idleResetSeconds: number,
 *          queueIdleResetSeconds: number|null}} options.kiosk
 * @param {() => string} options.phase the chat's phase now
 * @param {() => boolean} options.hasInput whether the start form has anything typed in
 * @param {() => Promise<void>} options.reset ends a live chat and wipes everything
 * @param {(seconds: number|null) => void} options.onCountdown shows the time left after a chat
 */
export function createKioskTimers({ kiosk, phase, hasInput, reset, onCountdown }) {
  let lastInput = now();
  let seenPhase = phase();
  // Entering a phase starts its clocks afresh: a customer who waited in the queue gets
  // the whole idle time once the agent arrives, not what was left of it.
  let phaseSince = now();
  let resetting = false;

  const touched = () => { lastInput = now(); };
  for (const kind of ACTIVITY) document.addEventListener(kind, touched, { capture: true, passive: true });

  /** How long nobody may touch the screen in `current` before it starts over; null: for ever. */
  function idleLimit(current) {
    if (current === "starting") return null;
    // Somebody waiting for an agent is waiting for us, not gone, unless this kiosk sets
    // the queue a limit of its own.
    if (current === "queued") {
      return typeof kiosk.queueIdleResetSeconds === "number" ? kiosk.queueIdleResetSeconds : null;
    }
    return kiosk.idleResetSeconds;
  }

  async function resetNow() {
    if (resetting) return;
    resetting = true;
    try {
      await reset();
    } finally {
      resetting = false;
      touched();
      onCountdown(null);
    }
  }

  function tick() {
    if (resetting) return;
    const at = now();
    const current = phase();
    if (current !== seenPhase) {
      seenPhase = current;
      phaseSince = at;
    }
    if (current === "ended") {
      const left = kiosk.resetAfterEndSeconds - Math.floor((at - phaseSince) / 1000);
      onCountdown(Math.max(left, 0));
      if (left <= 0) return resetNow();
    }
    // Untouched with something of a customer on screen: start over.
    const somethingShown = current !== "idle" || hasInput();
    const limit = idleLimit(current);
    if (somethingShown && limit !== null && at - Math.max(lastInput, phaseSince) >= limit * 1000) {
      return resetNow();
    }
  }

  setInterval(tick, 1000);
}
