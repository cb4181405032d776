// A short, quiet chime for messages that arrive while the window is in the background.
// One audio context for the page's life (each one holds an audio thread and a device),
// and at most one chime every few seconds: a burst of lines is one chime, as it is one
// notification.
const KEY = "xima-chat.sound";
const QUIET_MS = 4000;

let context = null;
let lastChime = -Infinity;

export const sound = {
  get enabled() {
    return localStorage.getItem(KEY) !== "off";
  },
  set enabled(on) {
    localStorage.setItem(KEY, on ? "on" : "off");
  },
  chime() {
    if (!this.enabled || document.hasFocus()) return;
    const now = performance.now();
    if (now - lastChime < QUIET_MS) return;
    lastChime = now;
    try {
      context ??= new AudioContext();
      if (context.state === "suspended") context.resume().catch(() => {});
      const tone = context.createOscillator();
      const volume = context.createGain();
      tone.frequency.value = 880;
      volume.gain.setValueAtTime(0.08, context.currentTime);
      volume.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
      tone.connect(volume).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.35);
      tone.onended = () => volume.disconnect();
    } catch {
      // No audio device: the notification still shows.
    }
  },
};
