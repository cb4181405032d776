// A short, quiet chime for messages that arrive while the window is in the background.
const KEY = "xima-chat.sound";

export const sound = {
  get enabled() {
    return localStorage.getItem(KEY) !== "off";
  },
  set enabled(on) {
    localStorage.setItem(KEY, on ? "on" : "off");
  },
  chime() {
    if (!this.enabled || document.hasFocus()) return;
    try {
      const context = new AudioContext();
      const tone = context.createOscillator();
      const volume = context.createGain();
      tone.frequency.value = 880;
      volume.gain.setValueAtTime(0.08, context.currentTime);
      volume.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
      tone.connect(volume).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.35);
      tone.onended = () => context.close();
    } catch {
      // No audio device: the notification still shows.
    }
  },
};
