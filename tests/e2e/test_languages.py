"""The window in the customer's language: every word from the catalogues
(ui/js/locales/), right to left where the language is, and nothing left in English or
cut off, checked with the pseudo-locale ("qps": every catalogue text accented, longer
and [bracketed])."""

import re
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from views import every_view_of_a_chat

# Text that is the customer's or the agent's, not the app's: what they typed, their
# names, times, the skills and screens an administrator named.
DATA = ("#announcer, #transcript .entry.agent .text, #transcript .entry.customer .text, #transcript .entry.agent .who, "
        "time, #agent-name, #agent-initials, #skill, #installation-id, #skills, #base-url, #default-name, "
        "#default-email, datalist")

# Every shown text node and every attribute read aloud or shown as a tooltip: is it a
# pseudo-locale text ("[…]"), and does it fit inside its element and the window?
LEFT_IN_ENGLISH_OR_CUT_OFF = """
const data = arguments[0];
const shown = (element) => {
  for (let e = element; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    if (e.hidden || style.display === "none" || style.visibility === "hidden") return false;
  }
  return true;
};
const pseudo = (text) => text.startsWith("[") && text.endsWith("]");
const found = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const text = node.textContent.trim();
  const element = node.parentElement;
  if (!/\\p{L}/u.test(text) || !shown(element) || element.closest(data)) continue;
  if (/[A-Za-z]/.test(text) && !pseudo(text)) found.push(`in English: ${text}`);
  const range = document.createRange();
  range.selectNodeContents(node);
  const line = range.getBoundingClientRect();
  const box = element.getBoundingClientRect();
  const style = getComputedStyle(element);
  const outside = line.left < box.left - 1 || line.right > box.right + 1 || line.bottom > box.bottom + 1
    || line.left < -1 || line.right > innerWidth + 1;
  const scrolled = style.overflowX !== "visible" && element.scrollWidth > element.clientWidth + 1;
  if (line.width > 0 && (outside || scrolled)) found.push(`cut off: ${text}`);
}
for (const element of document.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
  if (!shown(element) || element.closest(data)) continue;
  for (const name of ["aria-label", "title", "placeholder", "alt"]) {
    const value = (element.getAttribute(name) || "").trim();
    if (/[A-Za-z]/.test(value) && !pseudo(value)) found.push(`${name} in English: ${value}`);
  }
}
return found;
"""


def nothing_left_in_english_or_cut_off(window, view: str):
    window.screenshot(f"qps-{view}")
    found = window.driver.execute_script(LEFT_IN_ENGLISH_OR_CUT_OFF, DATA)
    assert found == [], f"the {view} view: {found}"


def test_first_run_settings_in_the_pseudo_locale_say_every_problem_through_the_catalogue(open_app):
    window = open_app(configured=False, extra_args=("--language", "qps"))
    window.wait("the settings view", lambda: window.visible("#view-settings"))
    window.wait("the problems", lambda: window.text("#settings-problems") != "")
    nothing_left_in_english_or_cut_off(window, "first-run-settings")


def test_every_view_of_a_chat_in_the_pseudo_locale_is_translated_and_fits(open_app, sim):
    window = open_app(extra_args=("--language", "qps"))
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert window.driver.execute_script("return document.documentElement.lang") == "en-XA"
    every_view_of_a_chat(window, sim, lambda view: nothing_left_in_english_or_cut_off(window, view))


def test_arabic_reads_right_to_left_with_the_layout_mirrored(open_app, sim):
    window = open_app(extra_args=("--language", "ar"))
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    root = window.driver.execute_script("return [document.documentElement.lang, document.documentElement.dir]")
    assert root == ["ar", "rtl"]
    assert window.text("#start") == "بدء المحادثة", window.text("#start")
    session = window.chat_with(sim)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "مرحبًا"})
    window.say("Hello")
    window.wait("both lines", lambda: len(window.driver.find_elements(By.CSS_SELECTOR, "#transcript .entry.customer")) == 1
                and len(window.driver.find_elements(By.CSS_SELECTOR, "#transcript .entry.agent")) == 1)
    window.screenshot("ar-chat")
    rect = lambda css: window.find(css).rect  # noqa: E731
    assert rect("#send")["x"] < rect("#message")["x"], "Send is at the left end of the composer"
    agent, customer = rect("#transcript .entry.agent"), rect("#transcript .entry.customer")
    assert agent["x"] > customer["x"], "the agent's bubble is on the right, the customer's on the left"
    assert "انضم" in window.transcript()[0], "the app's own line is worded in Arabic"


@pytest.mark.parametrize("language, name_label", [("es", "Tu nombre"), ("fr", "Votre nom"), ("de", "Ihr Name"),
                                                  ("pt-BR", "Seu nome"), ("pt-PT", "Seu nome"), ("en-GB", "Your name")])
def test_the_language_setting_picks_the_closest_catalogue(open_app, language, name_label):
    window = open_app(extra_args=("--language", language))
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    assert window.text("#name-label") == name_label


def test_every_catalogue_has_every_text_its_parameters_and_its_languages_plural_forms(open_app):
    window = open_app()
    window.wait("the pre-chat form", lambda: window.visible("#start-form"))
    found = window.driver.execute_async_script("""
const done = arguments[0];
const params = (text) => [...text.matchAll(/\\{(\\w+)\\}/g)].map((m) => m[1]).sort().join(",");
const forms = (value) => (typeof value === "object" ? Object.values(value) : [value]);
let names;
import("./js/i18n.js").then(({ shipped }) => {
  names = shipped.filter((name) => name !== "en");
  return Promise.all(["en", ...names].map((name) => import(`./js/locales/${name}.js`)));
}).then(([{ default: en }, ...rest]) => {
  const found = [];
  rest.forEach(({ default: words }, index) => {
    const name = names[index];
    const categories = new Intl.PluralRules(name).resolvedOptions().pluralCategories.sort().join(",");
    for (const key of Object.keys(en)) {
      if (!(key in words)) { found.push(`${name}: no ${key}`); continue; }
      const wanted = params(forms(en[key])[0]);
      // A plural form may leave out the number it is chosen by (Arabic's "one" and "two"
      // say it in words), never another parameter.
      const uncounted = wanted.split(",").filter((name) => name !== "count" && name !== "seconds").join(",");
      for (const text of forms(words[key])) if (params(text) !== wanted && !(typeof words[key] === "object" && params(text) === uncounted))
        found.push(`${name}.${key}: {${params(text)}} instead of {${wanted}}`);
      if (typeof en[key] === "object" && Object.keys(words[key]).sort().join(",") !== categories)
        found.push(`${name}.${key}: forms ${Object.keys(words[key]).sort()} instead of ${categories}`);
    }
    for (const key of Object.keys(words)) if (!(key in en)) found.push(`${name}: ${key} is not in en.js`);
  });
  done(found);
}, (error) => done([String(error)]));
""")
    assert found == []


def test_the_clouds_english_wait_estimate_is_shown_in_the_customers_language(open_app, sim):
    window = open_app(extra_args=("--language", "es"))
    window.start_chat()
    session = window.session(sim)
    for sent, shown in [("about 2 minutes", "unos 2 minutos"), ("less than a minute", "menos de un minuto"),
                        ("3-5 minutes", "entre 3 y 5 minutos"), ("until the shop opens", "until the shop opens")]:
        sim.agent_sends(session, {"type": "ESTIMATED_WAIT_TIME", "estimatedWait": sent})
        window.wait(f"the estimate {shown!r}", lambda: window.text("#queue-wait").endswith(shown))


def test_a_saved_transcript_speaks_the_chats_language(x_focus, open_app, sim):
    window = open_app(extra_args=("--language", "es"))
    session = window.chat_with(sim, agent="Myles")
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Su número de ticket es 4711."})
    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#ended"))

    window.find("#save-transcript-html").click()
    window.wait("the save dialog, titled in Spanish", lambda: x_focus.has_window("Guardar transcripción"))
    x_focus.press("Guardar transcripción", "Return")
    window.wait("where it went", lambda: window.visible("#save-status"))
    saved = Path(window.text("#save-status").removeprefix("Transcripción guardada en "))
    page = saved.read_text()
    saved.unlink()

    assert re.fullmatch(r"Transcripción del chat \d{4}-\d{2}-\d{2}\.html", saved.name), saved.name
    assert '<html lang="es" dir="ltr">' in page
    assert "<h1>Transcripción del chat</h1>" in page
    assert "Myles se unió al chat." in page and "El agente finalizó el chat." in page
    # Spanish writes the day first: 26/11/2025, 14:05:09 UTC.
    stamps = re.findall(r'<span class="at">([^<]*)</span>', page)
    assert stamps and all(re.fullmatch(r"\d{2}/\d{2}/\d{4}, \d{2}:\d{2}:\d{2} UTC", stamp) for stamp in stamps), stamps


def test_the_tray_and_the_notifications_speak_the_windows_language(desktop, x_focus, open_app, sim):
    window = open_app(extra_args=("--language", "es"))
    session = window.chat_with(sim, agent="Myles")
    window.wait("the tray icon", lambda: desktop.tray_item() is not None)
    x_focus.to_app()
    x_focus.elsewhere()
    time.sleep(0.5)
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "¿Sigues ahí?"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Puedo esperar."})
    shown = lambda: [(n["summary"], n["body"]) for n in desktop.notifications.shown]  # noqa: E731
    window.wait("the counted update, in Spanish", lambda: ("2 mensajes nuevos de Myles", "Puedo esperar.") in shown())
    ours = [n for n in desktop.notifications.shown if n["body"] in ("¿Sigues ahí?", "Puedo esperar.")]
    assert all(n["actions"] == ["default", "Abrir el chat"] for n in ours), ours

    x_focus.close_app_window()
    window.wait("the window to go to the tray", lambda: not x_focus.app_window_shown(), timeout=5)
    desktop.click_tray_menu("Abrir el chat")  # fails when the menu has no such entry
    window.wait("the window back", x_focus.app_window_shown, timeout=5)
