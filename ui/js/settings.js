// The settings view: where the app is set up and the API key is stored. The key goes to
// the keychain through Rust and is never read back into the page.
import { call } from "./ipc.js";
import { t, tCode, failureText } from "./i18n.js";
import { sound } from "./sound.js";

const $ = (id) => document.getElementById(id);

/** The form's input for each setting the core names (`AppConfig::EDITED`). */
const INPUTS = {
  "installation-id": "installation-id",
  skills: "skills",
  "base-url": "base-url",
  name: "default-name",
  email: "default-email",
};

/** What the computer's own settings file (which IT deploys) locks: read-only here, its
 * label marked, and one line under the title saying who set them and where. */
function showLocks(settings) {
  const locked = new Set(settings.locked);
  for (const [key, id] of Object.entries(INPUTS)) {
    const input = $(id);
    input.readOnly = locked.has(key);
    if (locked.has(key)) input.setAttribute("aria-describedby", "locked-note");
    else input.removeAttribute("aria-describedby");
    document.querySelector(`label[for="${id}"]`).classList.toggle("locked", locked.has(key));
  }
  $("locked-note").hidden = locked.size === 0;
  $("locked-note").textContent = locked.size === 0 ? "" : t("settingsLocked", { path: settings.machineFile ?? "" });
}

export function createSettings({ onChanged, announce }) {
  let current = null;

  function fill(settings) {
    current = settings;
    $("installation-id").value = settings.installationId;
    $("skills").value = settings.skills.join(", ");
    $("base-url").value = settings.baseUrl;
    $("default-name").value = settings.name;
    $("default-email").value = settings.email;
    $("sound").checked = sound.enabled;
    showLocks(settings);
    $("settings-problems").replaceChildren(...settings.problems.map(({ code, ...named }) => {
      const item = document.createElement("li");
      item.textContent = tCode("problem", code, named, code);
      return item;
    }));
    // Why the keychain failed is in the log (the core's words); here, what it means.
    $("api-key-status").textContent = settings.keychainError ? t("keychainUnavailable")
      : settings.hasApiKey ? t("apiKeyStored") : t("apiKeyMissing");
    $("clear-api-key").hidden = !settings.hasApiKey;
    $("config-file").textContent = settings.configFile ? t("configFile", { path: settings.configFile }) : "";
    $("log-dir").textContent = settings.logDir ? t("logDir", { path: settings.logDir }) : "";
  }

  async function save(event) {
    event.preventDefault();
    sound.enabled = $("sound").checked;
    const form = {
      installationId: $("installation-id").value,
      // Arabic and Persian keyboards type "،" for a comma.
      skills: $("skills").value.split(/[,،]/),
      baseUrl: $("base-url").value,
      name: $("default-name").value,
      email: $("default-email").value,
    };
    try {
      const settings = await call("save_settings", { form });
      $("settings-error").textContent = "";
      fill(settings);
      announce(t("settingsSaved"));
      onChanged(settings);
    } catch (failure) {
      $("settings-error").textContent = t("settingsNotSaved");
    }
  }

  /** What a failed change of the key means to whoever set it up. */
  function keyFailure(failure) {
    return { invalid_input: t("apiKeyEmpty"), keychain: t("keychainFailed") }[failure.code] ?? failureText(failure);
  }

  async function storeKey(event) {
    event.preventDefault();
    const input = $("api-key");
    const key = input.value;
    input.value = "";
    try {
      await call("set_api_key", { key });
      announce(t("apiKeySaved"));
    } catch (failure) {
      $("api-key-status").textContent = keyFailure(failure);
      return;
    }
    fill(await call("settings"));
  }

  async function clearKey() {
    try {
      await call("clear_api_key");
      announce(t("apiKeyCleared"));
    } catch (failure) {
      $("api-key-status").textContent = keyFailure(failure);
      return;
    }
    fill(await call("settings"));
  }

  $("settings-form").addEventListener("submit", save);
  $("api-key-form").addEventListener("submit", storeKey);
  $("clear-api-key").addEventListener("click", clearKey);
  $("sound").addEventListener("change", () => { sound.enabled = $("sound").checked; });

  return {
    fill,
    get settings() {
      return current;
    },
  };
}
