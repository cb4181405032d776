// The only module that talks to the Rust side: commands out, events in.
const tauri = window.__TAURI__;

/** Calls a Rust command; rejects with {code, message}. */
export async function call(command, args = {}) {
  try {
    return await tauri.core.invoke(command, args);
  } catch (error) {
    if (error && typeof error === "object" && "code" in error) throw error;
    throw { code: "ipc", message: String(error) };
  }
}

/**
 * Subscribes to the core's events, which all arrive as one `chat` event carrying a
 * tagged ChatEvent (src-tauri/shell/events.rs): `handlers[event.type](event)` runs for
 * each, e.g. `{type: "entry", entry}` or `{type: "connection", up, reason}`.
 */
export function onChat(handlers) {
  return tauri.event.listen("chat", ({ payload }) => handlers[payload.type]?.(payload));
}

/** Subscribes to one of the app's own events (not the chat's), by its full name. */
export function onApp(name, handler) {
  return tauri.event.listen(name, (event) => handler(event.payload));
}
