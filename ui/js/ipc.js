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

/** Subscribes to one core event kind (see src-tauri/shell/events.rs). */
export function on(kind, handler) {
  return tauri.event.listen(`chat:${kind}`, (event) => handler(event.payload));
}

/** Subscribes to one of the app's own events (not the chat's), by its full name. */
export function onApp(name, handler) {
  return tauri.event.listen(name, (event) => handler(event.payload));
}
