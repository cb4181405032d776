// The chat window: one model, one render(), events from the core update the model.
import { call, on } from "./ipc.js";
import { strings } from "./strings.js";
import { createTranscript } from "./transcript.js";

const $ = (id) => document.getElementById(id);

const model = {
  settings: null,
  state: { phase: "idle" },
  agentTyping: false,
  link: { up: true, reason: null },
  busy: false,
  formError: "",
  screenshot: { open: false, preview: null, busy: false, error: "" },
};

const transcript = createTranscript($("transcript"), { onRetry: retry });

function applyStrings() {
  const text = {
    "loading-text": strings.loading, title: strings.title, "setup-title": strings.setupTitle,
    "setup-hint": strings.setupHint, "form-intro": strings.formIntro, "name-label": strings.nameLabel,
    "email-label": strings.emailLabel, "skill-label": strings.skillLabel, start: strings.startChat,
    "queue-title": strings.queueTitle, cancel: strings.cancel, end: strings.endChat,
    "new-chat": strings.newChat, "save-transcript": strings.saveTranscript, send: "Send",
    "screenshot-title": strings.screenshotTitle, "screenshot-decline": strings.screenshotDecline,
  };
  for (const [id, value] of Object.entries(text)) $(id).textContent = value;
}

function show(view) {
  for (const section of document.querySelectorAll("main > .view")) section.hidden = section.id !== `view-${view}`;
}

function render() {
  const { state, settings } = model;
  const phase = state.phase;
  if (!settings) show("loading");
  else if (phase === "idle" || phase === "starting") show(settings.problems.length ? "setup" : "form");
  else if (phase === "queued") show("queue");
  else show("chat");

  $("start").disabled = model.busy || phase === "starting";
  $("start").textContent = phase === "starting" ? strings.starting : strings.startChat;
  $("form-error").textContent = model.formError;
  $("queue-wait").textContent = state.estimatedWait ? strings.queueWait(state.estimatedWait) : strings.queueWaitUnknown;

  const live = phase === "queued" || phase === "chatting";
  $("end").hidden = phase !== "chatting";
  $("composer").hidden = phase !== "chatting";
  $("ended").hidden = phase !== "ended";
  if (phase === "ended") $("ended-reason").textContent = strings.ended[state.reason] || "";

  const agent = phase === "chatting" ? state.agent : null;
  $("agent").hidden = !agent;
  $("title").hidden = Boolean(agent);
  if (agent) {
    $("agent-name").textContent = agent.name;
    $("agent-status").textContent = strings.agentOnline;
    $("agent-initials").textContent = initials(agent.name);
    $("agent-initials").hidden = Boolean(agent.avatar);
    $("agent-avatar").hidden = !agent.avatar;
    if (agent.avatar && $("agent-avatar").src !== agent.avatar) $("agent-avatar").src = agent.avatar;
  }
  $("typing").hidden = !(model.agentTyping && agent);
  if (agent) $("typing").textContent = strings.agentTyping(agent.name);

  $("link-banner").hidden = model.link.up || !live;
  $("link-banner").textContent = strings.reconnecting;
  renderScreenshot();
}

function renderScreenshot() {
  const dialog = $("screenshot-dialog");
  const shot = model.screenshot;
  if (shot.open && !dialog.open) dialog.showModal();
  if (!shot.open && dialog.open) dialog.close();
  $("screenshot-text").textContent = shot.preview ? strings.screenshotPreviewText : strings.screenshotText;
  $("screenshot-preview").hidden = !shot.preview;
  if (shot.preview) $("screenshot-preview").src = shot.preview;
  $("screenshot-accept").textContent = shot.busy ? strings.screenshotCapturing : shot.preview ? strings.screenshotSend : strings.screenshotCapture;
  $("screenshot-accept").disabled = shot.busy;
  $("screenshot-error").textContent = shot.error;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0].toUpperCase()).join("");
}

function announce(text) {
  const line = document.createElement("p");
  line.textContent = text;
  $("announcer").append(line);
  while ($("announcer").childElementCount > 5) $("announcer").firstElementChild.remove();
}

// ---- the pre-chat form

function fillForm(settings) {
  $("name").value = settings.name || "";
  $("email").value = settings.email || "";
  const skill = $("skill");
  skill.replaceChildren(...settings.skills.map((name) => new Option(name, name)));
  $("skill-row").hidden = settings.skills.length < 2;
  const fields = $("custom-fields");
  fields.replaceChildren();
  settings.customChatInfo.forEach((field, index) => {
    if (field.value) return;
    const label = document.createElement("label");
    label.htmlFor = `custom-${index}`;
    label.textContent = field.name;
    const input = document.createElement("input");
    input.id = `custom-${index}`;
    input.dataset.name = field.name;
    input.maxLength = 200;
    fields.append(label, input);
  });
}

function readForm() {
  const name = $("name").value.trim();
  const email = $("email").value.trim();
  if (!name) return { error: strings.nameRequired, focus: "name" };
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { error: strings.emailInvalid, focus: "email" };
  const customChatInfo = model.settings.customChatInfo
    .filter((field) => field.value)
    .map((field) => ({ name: field.name, value: field.value }));
  for (const input of $("custom-fields").querySelectorAll("input")) {
    const value = input.value.trim();
    if (!value) return { error: strings.fieldRequired(input.dataset.name), focus: input.id };
    customChatInfo.push({ name: input.dataset.name, value });
  }
  return { form: { name, email, skill: $("skill").value, customChatInfo } };
}

async function startChat(event) {
  event.preventDefault();
  const { form, error, focus } = readForm();
  model.formError = error || "";
  if (error) {
    render();
    $(focus).focus();
    return;
  }
  model.busy = true;
  render();
  try {
    await call("start_chat", { form });
  } catch (failure) {
    model.formError = failure.message || strings.errorGeneric;
  } finally {
    model.busy = false;
    render();
  }
}

// ---- the conversation

let typingTimer = null;
let typingSent = false;

function typing(active) {
  if (typingSent === active) return;
  typingSent = active;
  call("set_typing", { typing: active }).catch(() => { typingSent = !active; });
}

function onInput() {
  typing($("message").value.trim().length > 0);
  clearTimeout(typingTimer);
  // Stop "typing" after a pause, as a person would read it.
  typingTimer = setTimeout(() => typing(false), 4000);
}

async function sendMessage(event) {
  event?.preventDefault();
  const box = $("message");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  clearTimeout(typingTimer);
  typingSent = false;
  try {
    await call("send_message", { text });
  } catch (failure) {
    if (failure.code === "invalid_input") box.value = text;
  }
  box.focus();
}

async function retry(id) {
  try {
    await call("retry_message", { id });
  } catch {
    // The entry itself shows the failure and keeps its retry button.
  }
}

// ---- screenshots

async function acceptScreenshot() {
  const shot = model.screenshot;
  shot.busy = true;
  shot.error = "";
  render();
  try {
    if (!shot.preview) {
      shot.preview = (await call("capture_screenshot")).preview;
    } else {
      await call("respond_screenshot", { send: true });
      model.screenshot = { open: false, preview: null, busy: false, error: "" };
    }
  } catch (failure) {
    shot.error = failure.message || strings.errorGeneric;
  } finally {
    model.screenshot.busy = false;
    render();
  }
}

async function declineScreenshot() {
  model.screenshot = { open: false, preview: null, busy: false, error: "" };
  render();
  await call("respond_screenshot", { send: false }).catch(() => {});
}

// ---- wiring

function subscribe() {
  on("state", ({ state }) => {
    const wasLive = ["queued", "chatting"].includes(model.state.phase);
    model.state = state;
    // A resumed chat arrives with its transcript already in the core: fetch it.
    if (!wasLive && ["queued", "chatting"].includes(state.phase)) {
      call("snapshot").then((snapshot) => transcript.merge(snapshot.entries), () => {});
    }
    if (state.phase !== "chatting") model.agentTyping = false;
    if (state.phase === "ended") model.screenshot = { open: false, preview: null, busy: false, error: "" };
    render();
    if (state.phase === "chatting") $("message").focus();
  });
  on("entry", ({ entry }) => {
    transcript.upsert(entry);
    if (entry.author.kind === "agent") {
      model.agentTyping = false;
      announce(`${entry.author.name}: ${entry.text}`);
      render();
    } else if (entry.author.kind === "system") {
      announce(entry.text);
    }
  });
  on("agent-typing", ({ typing: active }) => {
    model.agentTyping = active;
    render();
  });
  on("link", ({ up, reason }) => {
    const wasUp = model.link.up;
    model.link = { up, reason };
    if (wasUp && !up) announce(strings.reconnecting);
    if (!wasUp && up) announce(strings.reconnected);
    render();
  });
  on("screenshot-requested", () => {
    model.screenshot = { open: true, preview: null, busy: false, error: "" };
    announce(strings.screenshotTitle);
    render();
  });
}

function bind() {
  $("start-form").addEventListener("submit", startChat);
  $("send-form").addEventListener("submit", sendMessage);
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendMessage(event);
  });
  $("message").addEventListener("input", onInput);
  $("message").addEventListener("focus", () => call("focus_input").catch(() => {}));
  $("end").addEventListener("click", () => call("end_chat").catch(() => {}));
  $("cancel").addEventListener("click", () => call("end_chat").catch(() => {}));
  $("new-chat").addEventListener("click", async () => {
    await call("new_chat").catch(() => {});
    transcript.reset([]);
  });
  $("save-transcript").addEventListener("click", async () => {
    const text = await call("transcript_text");
    await navigator.clipboard?.writeText(text).then(() => announce(strings.transcriptCopied), () => {});
  });
  $("screenshot-accept").addEventListener("click", acceptScreenshot);
  $("screenshot-decline").addEventListener("click", declineScreenshot);
  $("screenshot-dialog").addEventListener("cancel", (event) => {
    event.preventDefault();
    declineScreenshot();
  });
}

async function boot() {
  applyStrings();
  bind();
  subscribe();
  render();
  const [settings, snapshot] = await Promise.all([call("settings"), call("snapshot")]);
  model.settings = settings;
  fillForm(settings);
  $("setup-problems").replaceChildren(...settings.problems.map((problem) => {
    const item = document.createElement("li");
    item.textContent = problem;
    return item;
  }));
  if (settings.configFile) $("setup-hint").textContent = strings.setupHintFile(settings.configFile);
  model.state = snapshot.state;
  model.agentTyping = snapshot.agentTyping;
  model.link = { up: snapshot.linkUp, reason: null };
  if (snapshot.screenshotPending) model.screenshot.open = true;
  transcript.reset(snapshot.entries);
  render();
}

boot().catch((failure) => {
  $("loading-text").textContent = failure.message || strings.errorGeneric;
});
