// The chat window: one model, one render(); events from the core update the model.
import { call, onChat, onApp } from "./ipc.js";
import { t, applyLanguage, failureText, lentWords } from "./i18n.js";
import { waitInWords } from "./wait.js";
import { createTranscript, entryText } from "./transcript.js";
import { createSettings } from "./settings.js";
import { createScreenshotDialog } from "./screenshot.js";
import { sound } from "./sound.js";
import { createKioskTimers } from "./kiosk.js";
import { createAvailability } from "./availability.js";

const $ = (id) => document.getElementById(id);
const LIVE = ["queued", "chatting"];

const model = {
  settings: null,
  state: { phase: "idle" },
  agentTyping: false,
  /** Whether polling and the keepalive reach the contact center (network health). */
  connected: true,
  /** How the last chat ended, in the transcript's own words (the core writes them). */
  endLine: "",
  busy: false,
  formError: "",
  showSettings: false,
  /** Seconds until a kiosk starts over after a chat, while it counts down. */
  kioskCountdown: null,
  /** The last answer to "is an agent ready for this skill?" ("ready", "none-ready", "unknown"). */
  availability: { skill: null, status: "unknown" },
};

const isKiosk = () => Boolean(model.settings?.kiosk);

function announce(text) {
  const line = document.createElement("p");
  line.textContent = text;
  $("announcer").append(line);
  while ($("announcer").childElementCount > 5) $("announcer").firstElementChild.remove();
}

// Links stay off until the settings say this is not a kiosk (boot).
const transcript = createTranscript($("transcript"), {
  onRetry: retry,
  onShowEarlier: () => call("snapshot").then((snapshot) => transcript.showEarlier(snapshot.entries), () => {}),
});
const settingsView = createSettings({ announce, onChanged: settingsChanged });
const screenshot = createScreenshotDialog({ announce, focusAfter: () => $("message") });
const availability = createAvailability({
  ask: (skill) => call("agent_availability", { skill }),
  onAnswer: (skill, status) => {
    model.availability = { skill, status };
    render();
  },
});

/** Every fixed word of the page, from the catalogue its elements name (data-text: the
 * text, data-label: what assistive technology reads, data-title: the tooltip). */
function applyStrings() {
  applyLanguage();
  for (const element of document.querySelectorAll("[data-text]")) element.textContent = t(element.dataset.text);
  for (const element of document.querySelectorAll("[data-label]")) element.setAttribute("aria-label", t(element.dataset.label));
  for (const element of document.querySelectorAll("[data-title]")) element.title = t(element.dataset.title);
}

function currentView() {
  const phase = model.state.phase;
  if (!model.settings) return "loading";
  if (LIVE.includes(phase) || phase === "ended") return phase === "queued" ? "queue" : "chat";
  if (model.showSettings) return "settings";
  return "form";
}

/** While the core starts a new chat, the page stays as it is: it may be about to give
 * the window to a fresh page, and should not show (or take typing into) a form first. */
let holdingStill = false;

function render() {
  if (holdingStill) return;
  const { state } = model;
  const phase = state.phase;
  const view = currentView();
  for (const section of document.querySelectorAll("main > .view")) section.hidden = section.id !== `view-${view}`;

  // Asked only while the form is on screen, for the skill chosen in it.
  const formSkill = view === "form" ? $("skill").value : null;
  availability.watch(formSkill);
  const answered = formSkill !== null && model.availability.skill === formSkill;
  const agents = answered ? model.availability.status : "unknown";
  renderAvailability(agents, answered, $("skill-row").hidden ? "" : formSkill);

  $("start").disabled = model.busy || phase === "starting";
  // No agent ready never blocks a start: the button only says so.
  $("start").textContent = phase === "starting" ? t("starting")
    : agents === "none-ready" ? t("startAnyway") : t("startChat");
  $("form-error").textContent = model.formError;
  $("queue-wait").textContent = state.estimatedWait ? t("queueWait", { wait: waitInWords(state.estimatedWait) }) : t("queueWaitUnknown");

  $("end").hidden = phase !== "chatting";
  $("composer").hidden = phase !== "chatting";
  $("ended").hidden = phase !== "ended";
  // The transcript's end line again, not a second wording; it was announced once already.
  if (phase === "ended") $("ended-reason").textContent = model.endLine;
  $("open-settings").hidden = view !== "form" || isKiosk();
  for (const id of ["save-transcript", "save-transcript-html", "copy-transcript"]) $(id).hidden = isKiosk();
  $("kiosk-countdown").hidden = model.kioskCountdown === null || phase !== "ended";
  if (model.kioskCountdown !== null) $("kiosk-countdown").textContent = t("kioskCountdown", { seconds: model.kioskCountdown });
  $("close-settings").hidden = Boolean(model.settings?.problems.length);

  const agent = phase === "chatting" ? state.agent : null;
  $("agent").hidden = !agent;
  $("title").hidden = Boolean(agent);
  if (agent) {
    $("agent-name").textContent = agent.name;
    $("agent-status").textContent = t("agentOnline");
    $("agent-initials").textContent = initials(agent.name);
    $("agent-initials").hidden = Boolean(agent.avatar);
    $("agent-avatar").hidden = !agent.avatar;
    if (agent.avatar && $("agent-avatar").src !== agent.avatar) $("agent-avatar").src = agent.avatar;
  }
  $("typing").hidden = !(model.agentTyping && agent);
  if (agent) $("typing").textContent = t("agentTyping", { name: agent.name });

  $("connection-banner").hidden = model.connected || !LIVE.includes(phase);
  $("connection-banner").textContent = t("reconnecting");
}

/** The form's availability line: nothing when unknown, the skill named when it was chosen. */
function renderAvailability(agents, answered, skill) {
  const line = $("availability");
  const text = { ready: t("agentReady"), "none-ready": (skill ? t("noAgentReadyFor", { skill }) : t("noAgentReady")) }[agents] || "";
  // Rewriting the same words would make a screen reader say them again every minute.
  if (line.textContent !== text) line.textContent = text;
  line.classList.toggle("ready", agents === "ready");
  line.classList.toggle("none-ready", agents === "none-ready");
  // What the last answer said, for tests to wait on; absent until one came for this skill.
  if (answered) line.dataset.availability = agents;
  else delete line.dataset.availability;
}

function initials(name) {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0].toUpperCase()).join("") || "?";
}

// ---- settings and the pre-chat form

function settingsChanged(settings) {
  model.settings = settings;
  fillForm(settings);
  // Stay in settings after saving: the API key is usually the next thing to set.
  render();
}

function fillForm(settings) {
  // A desk's customer starting another chat is still who they said they were.
  const customer = settings.lastCustomer ?? settings;
  $("name").value = customer.name || "";
  $("email").value = customer.email || "";
  const skill = $("skill");
  skill.replaceChildren(...settings.skills.map((name) => new Option(name, name)));
  // A kiosk's skill and fixed fields are set by its administrator, not asked.
  $("skill-row").hidden = settings.skills.length < 2 || Boolean(settings.kiosk);
  $("name-row").hidden = Boolean(settings.kiosk?.fixedName);
  $("email-row").hidden = Boolean(settings.kiosk?.fixedEmail);
  // On a shared screen the web engine must not offer one visitor what the last one typed.
  const autofill = !settings.kiosk;
  $("name").setAttribute("autocomplete", autofill ? "name" : "off");
  $("email").setAttribute("autocomplete", autofill ? "email" : "off");
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
    if (!autofill) input.setAttribute("autocomplete", "off");
    fields.append(label, input);
  });
  showSharedFacts(settings.sharedFacts);
}

/** What of the computer goes to the agent, as it will be sent, before Start is pressed. */
function showSharedFacts(shared) {
  $("shared-facts").hidden = shared.length === 0;
  $("shared-facts-list").replaceChildren(...shared.map(({ name, value }) => {
    const item = document.createElement("li");
    // The value is the computer's (its name may be written right to left or not).
    const said = document.createElement("bdi");
    said.textContent = value;
    item.append(`${name}: `, said);
    return item;
  }));
}

function readForm() {
  const name = $("name").value.trim();
  const email = $("email").value.trim();
  const kiosk = model.settings.kiosk;
  if (!name && !kiosk?.fixedName) return { error: t("nameRequired"), focus: "name" };
  if (!kiosk?.fixedEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { error: t("emailInvalid"), focus: "email" };
  // Only the customer's answers: the fixed fields, and the facts they share, are the core's.
  const customChatInfo = [];
  for (const input of $("custom-fields").querySelectorAll("input")) {
    const value = input.value.trim();
    if (!value) return { error: t("fieldRequired", { label: input.dataset.name }), focus: input.id };
    customChatInfo.push({ name: input.dataset.name, value });
  }
  return { form: { name, email, skill: $("skill").value, customChatInfo } };
}

async function startChat(event) {
  event?.preventDefault();
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
    model.formError = failureText(failure);
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
  const box = $("message");
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight}px`;
  typing(box.value.trim().length > 0);
  clearTimeout(typingTimer);
  // "Typing" stops after a pause, as a person watching would read it.
  typingTimer = setTimeout(() => typing(false), 4000);
}

async function sendMessage(event) {
  event?.preventDefault();
  const box = $("message");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  box.style.height = "auto";
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
  // The entry shows the outcome either way, and keeps its retry button on failure.
  await call("retry_message", { id }).catch(() => {});
}

// Where the file went stays on screen (a status line, read out once by screen readers);
// a cancelled dialog leaves the line as it was.
async function saveTranscript(format) {
  let said;
  try {
    const path = await call("save_transcript", { format });
    if (path === null) return;
    said = t("transcriptSaved", { path });
  } catch (failure) {
    said = failure.code === "save_failed" ? t("transcriptNotSaved") : failureText(failure);
  }
  $("save-status").textContent = said;
  $("save-status").hidden = false;
}

async function copyTranscript() {
  // Whatever a kiosk put on the clipboard would be there for the next visitor to paste.
  if (isKiosk()) return;
  const text = await call("transcript_text");
  await navigator.clipboard?.writeText(text).then(() => announce(t("transcriptCopied")), () => {});
}

// ---- starting over

/** Back to an empty start form: after "new chat", and on a kiosk between customers. */
async function startOver() {
  holdingStill = true;
  const next = await call("new_chat").catch(() => ({}));
  if (next.freshPage) {
    // A fresh page, in a web process of its own, takes the window with the form as soon
    // as it has drawn itself (a fraction of a second); a form typed into here meanwhile
    // would go with this page. Should the fresh page never come, this one draws it.
    setTimeout(() => {
      holdingStill = false;
      showTheEmptyForm();
    }, FRESH_PAGE_PATIENCE_MS);
    return;
  }
  holdingStill = false;
  await showTheEmptyForm();
}

/** How long a page that asked for a fresh one waits for it before it draws the form itself. */
const FRESH_PAGE_PATIENCE_MS = 5000;

async function showTheEmptyForm() {
  entriesDue.flush(); // the last chat's lines still on their way go with it
  transcript.reset([]);
  screenshot.close();
  model.formError = "";
  model.endLine = "";
  fillForm(model.settings);
  forgetTheLastChat();
  render();
  firstField()?.focus();
  if (!isKiosk()) {
    // Who the customer was, as the core kept it when the chat began (after the wipe
    // above, so nothing of the chat waits on this).
    model.settings = await call("settings").catch(() => model.settings);
    fillForm(model.settings);
  }
}

/**
 * What the page itself still holds of the chat before: on a kiosk the next visitor
 * stands where the last one stood, and hidden text is one selection or one screen
 * reader away from being read.
 */
function forgetTheLastChat() {
  const box = $("message");
  box.value = "";
  box.style.height = "auto";
  clearTimeout(typingTimer);
  typingSent = false;
  // A live region keeps its lines; a screen reader user can walk back through them.
  $("announcer").replaceChildren();
  for (const id of ["ended-reason", "agent-name", "agent-status", "agent-initials", "typing", "save-status"]) $(id).textContent = "";
  $("save-status").hidden = true;
  $("agent-avatar").removeAttribute("src");
  getSelection()?.removeAllRanges();
}

/** The start form's first field the customer is asked to fill in. */
function firstField() {
  return [...$("start-form").querySelectorAll("input")].find((input) => !input.closest("[hidden]"));
}

/** A kiosk left alone: end a live chat, then wipe. */
async function kioskReset() {
  if (LIVE.includes(model.state.phase)) await call("end_chat").catch(() => {});
  await startOver();
}

/** A xima-chat:// deep link (or `xima-chat --field`) fills the start form; it starts the
 * chat only when the core says so (`xima-chat start`, or a link where the administrator
 * allows it), through the form's own checks, and the customer can still cancel. */
async function takeDeepLink() {
  const link = await call("take_deep_link").catch(() => null);
  if (!link || model.state.phase !== "idle") return;
  model.showSettings = false;
  if (link.name) $("name").value = link.name;
  if (link.email) $("email").value = link.email;
  if (link.skill && model.settings.skills.includes(link.skill)) $("skill").value = link.skill;
  for (const { name, value } of link.fields) {
    const input = [...$("custom-fields").querySelectorAll("input")].find((field) => field.dataset.name === name);
    if (input) input.value = value;
  }
  render();
  $("start").focus();
  if (link.start) await startChat();
}

// ---- wiring

function subscribe() {
  // Lines wait for the next frame and go into the page together; any other event first
  // puts in the lines that came before it (the end of a chat reads its last line).
  const afterTheLines = (handler) => (event) => {
    entriesDue.flush();
    handler(event);
  };
  onChat({
    entry: ({ entry }) => entriesDue.add([entry]),
    entries: ({ entries }) => entriesDue.add(entries),
    state: afterTheLines(stateChanged),
    agentTyping: afterTheLines(agentTypingChanged),
    connection: afterTheLines(connectionChanged),
    screenshotRequested: afterTheLines(() => screenshot.open()),
    screenshotClosed: afterTheLines(() => screenshot.close(t("screenshotClosed"))),
  });
  // A link that comes while the page is still starting waits for its form.
  onApp("app:deep-link", () => booted.then(takeDeepLink));
}

function stateChanged({ state }) {
  const before = model.state.phase;
  const wasLive = LIVE.includes(before);
  model.state = state;
  if (state.phase !== "chatting") model.agentTyping = false;
  if (state.phase === "ended") {
    screenshot.close();
    // The core writes the end line to the transcript just before it says the chat ended.
    model.endLine = transcript.lastSystemLine();
  }
  // A resumed chat arrives with its transcript already in the core: fetch it.
  if (!wasLive && LIVE.includes(state.phase)) {
    call("snapshot").then((snapshot) => transcript.merge(snapshot.entries), () => {});
  }
  render();
  if (state.phase !== before) focusForPhase(state.phase);
}

/** Where the keyboard is when the chat moves on: the message box once an agent is
 * there, the queue's heading (read out) while waiting, and at the end the way to a new
 * chat, unless the customer is somewhere that is still on screen (reading the lines). */
function focusForPhase(phase) {
  const lost = () => {
    const at = document.activeElement;
    return !at || at === document.body || Boolean(at.closest("[hidden]"));
  };
  if (phase === "chatting") $("message").focus();
  else if (phase === "queued" && lost()) $("queue-title").focus();
  else if (phase === "ended" && lost()) $("new-chat").focus();
}

/** The lines read out lately, by id: a line is said once, however often the core
 * updates it (a line that arrives late has an id below newer ones). */
const announced = new Set();

function firstTime(entry) {
  if (announced.has(entry.id)) return false;
  announced.add(entry.id);
  if (announced.size > 500) announced.delete(announced.values().next().value);
  return true;
}

/**
 * Entries from the core, put into the page once a frame (a burst is a few page changes,
 * not one a line), in the order they came. A page that draws no frames (hidden behind
 * the window's shown page, or the window put away) takes them on a timer instead.
 */
const entriesDue = (() => {
  let due = [];
  let frame = 0;
  let timer = 0;
  function flush() {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frame = timer = 0;
    const entries = due;
    due = [];
    if (entries.length) entriesChanged(entries);
  }
  function add(entries) {
    due.push(...entries);
    if (!frame) frame = requestAnimationFrame(flush);
    if (!timer) timer = setTimeout(flush, 100);
  }
  return { add, flush };
})();

function entriesChanged(entries) {
  transcript.upsertMany(entries);
  let agentLine = false;
  for (const entry of entries) {
    if (entry.author.kind === "agent") {
      agentLine = true;
      if (firstTime(entry)) {
        announce(`${entry.author.name}: ${entry.text}`);
        sound.chime();
      }
    } else if (entry.author.kind === "system" && firstTime(entry)) {
      announce(entryText(entry));
    }
  }
  if (agentLine) {
    model.agentTyping = false;
    render();
  }
}

function agentTypingChanged({ typing: active }) {
  model.agentTyping = active;
  render();
}

function connectionChanged({ up }) {
  if (model.connected && !up) announce(t("reconnecting"));
  if (!model.connected && up) announce(t("reconnected"));
  model.connected = up;
  render();
}

function bind() {
  $("start-form").addEventListener("submit", startChat);
  $("skill").addEventListener("change", render);
  $("send-form").addEventListener("submit", sendMessage);
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendMessage(event);
  });
  $("message").addEventListener("input", onInput);
  $("message").addEventListener("focus", () => call("focus_input").catch(() => {}));
  $("end").addEventListener("click", () => call("end_chat").catch(() => {}));
  $("cancel").addEventListener("click", () => call("end_chat").catch(() => {}));
  $("new-chat").addEventListener("click", startOver);
  $("save-transcript").addEventListener("click", () => saveTranscript("text"));
  $("save-transcript-html").addEventListener("click", () => saveTranscript("html"));
  $("copy-transcript").addEventListener("click", copyTranscript);
  $("open-settings").addEventListener("click", () => {
    model.showSettings = true;
    render();
    $("installation-id").focus();
  });
  $("close-settings").addEventListener("click", () => {
    model.showSettings = false;
    render();
  });
}

/** Resolved once the page has its settings, its form and the chat as the core has it. */
let bootDone;
const booted = new Promise((resolve) => { bootDone = resolve; });

async function boot() {
  applyStrings();
  // The tray, the notifications and saved transcripts speak the window's language from now on.
  call("lend_words", { lent: lentWords() }).catch(() => {});
  bind();
  subscribe();
  render();
  const settings = await call("settings");
  settingsView.fill(settings);
  model.settings = settings;
  model.showSettings = settings.problems.length > 0;
  // A kiosk has no browser to send the customer to: its addresses are plain text.
  transcript.showLinks(!settings.kiosk);
  fillForm(settings);
  const snapshot = await call("snapshot").catch(() => null);
  if (snapshot) {
    model.state = snapshot.state;
    model.agentTyping = snapshot.agentTyping;
    model.connected = snapshot.connected;
    transcript.reset(snapshot.entries);
    if (snapshot.state.phase === "ended") model.endLine = transcript.lastSystemLine();
    if (snapshot.screenshotPending) screenshot.open();
  }
  if (settings.kiosk) {
    document.body.classList.add("kiosk");
    createKioskTimers({
      kiosk: settings.kiosk,
      phase: () => model.state.phase,
      hasInput: () => ["name", "email"].some((id) => $(id).value.trim() !== "")
        || [...$("custom-fields").querySelectorAll("input")].some((input) => input.value.trim() !== ""),
      reset: kioskReset,
      onCountdown: (seconds) => {
        model.kioskCountdown = seconds;
        render();
      },
    });
  }
  render();
  // A window that opens on the form is ready to be typed into.
  if (model.state.phase === "idle" && !model.showSettings) firstField()?.focus();
  // A page loaded behind the last chat's (a fresh web process between customers) is
  // shown only now, drawn and focused.
  call("page_ready").catch(() => {});
  bootDone();
  await takeDeepLink();
}

boot().catch((failure) => {
  $("loading-text").textContent = failureText(failure);
});
