"""The window in the customer's language: every word from the catalogues
(ui/js/locales/), right to left where the language is, and nothing left in English or
cut off, checked with the pseudo-locale ("qps": every catalogue text accented, longer
and [bracketed])."""

import pytest
from selenium.webdriver.common.by import By

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
    window.find("#email").send_keys("ann.lee@example.com")
    window.find("#start").click()
    window.wait("the form's error", lambda: window.text("#form-error") != "")
    nothing_left_in_english_or_cut_off(window, "form-with-error")

    window.find("#open-settings").click()
    window.wait("the settings", lambda: window.visible("#view-settings"))
    nothing_left_in_english_or_cut_off(window, "settings")
    window.find("#close-settings").click()

    window.find("#name").send_keys("Ann Lee")
    window.find("#start").click()
    window.wait("the queue", lambda: window.visible("#view-queue"))
    nothing_left_in_english_or_cut_off(window, "queue")

    session = window.session(sim)
    sim.agent_sends(session, {"type": "CHAT_STARTED", "agent": "Myles"})
    sim.agent_sends(session, {"type": "CHAT_TEXT", "text": "Hello, how can I help?"})
    window.wait_for_line("Hello, how can I help?")
    sim.fail_next("/chat", session, status=500)
    window.say("My printer is offline")
    window.wait("the failed line", lambda: window.driver.find_elements(
        By.CSS_SELECTOR, "#transcript .entry.customer .delivery.failed"))
    sim.agent_sends(session, {"type": "AGENT_TYPING", "isTyping": "true"})
    window.wait("the typing line", lambda: window.text("#typing") != "")
    nothing_left_in_english_or_cut_off(window, "chat")

    sim.agent_sends(session, {"type": "TAKE_SCREENSHOT"})
    window.wait("the consent dialog", lambda: window.visible("#screenshot-dialog"))
    nothing_left_in_english_or_cut_off(window, "screenshot-consent")
    window.find("#screenshot-accept").click()
    window.wait("the preview", lambda: window.visible("#screenshot-preview"))
    nothing_left_in_english_or_cut_off(window, "screenshot-preview")
    window.find("#screenshot-decline").click()

    sim.agent_sends(session, {"type": "CHAT_ENDED"})
    window.wait("the ended view", lambda: window.visible("#ended"))
    nothing_left_in_english_or_cut_off(window, "ended")


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
      for (const text of forms(words[key])) if (params(text) !== wanted && !(typeof words[key] === "object" && params(text) === ""))
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
