// The window's language: its words (ui/js/locales/), plurals, numbers, times and
// direction. Chosen once, before anything is shown: the `language` setting (the shell
// puts it in window.__XIMA_LANGUAGE__), else the desktop's (WebKit takes
// navigator.language from LANG), else English. A key a catalogue lacks is said in
// English rather than not at all.
import en from "./locales/en.js";
import es from "./locales/es.js";
import fr from "./locales/fr.js";
import de from "./locales/de.js";
import ptBR from "./locales/pt-BR.js";
import ar from "./locales/ar.js";
import { pseudoCatalogue } from "./pseudo.js";

const CATALOGUES = { en, es, fr, de, "pt-BR": ptBR, ar };
/** The languages the window speaks (tests/e2e/test_languages.py checks each catalogue against English). */
export const shipped = Object.keys(CATALOGUES);
/** The pseudo-locale: English made longer, accented and bracketed, to find untranslated or clipped text. */
const PSEUDO = "qps";
const RIGHT_TO_LEFT = new Set(["ar", "he", "fa", "ur"]);

/** The shipped language closest to `wanted` ("pt-PT" → "pt-BR", "de-AT" → "de"), or null. */
export function closest(wanted) {
  if (!wanted) return null;
  const tag = String(wanted).replace(/_/g, "-").split(/[.@]/)[0].toLowerCase();
  if (tag === PSEUDO || tag.startsWith(`${PSEUDO}-`)) return PSEUDO;
  const exact = shipped.find((name) => name.toLowerCase() === tag);
  if (exact) return exact;
  const base = tag.split("-")[0];
  return shipped.find((name) => name.toLowerCase().split("-")[0] === base) ?? null;
}

const asked = [window.__XIMA_LANGUAGE__, navigator.language].find((tag) => closest(tag));
const language = closest(asked) ?? "en";
/** The locale Intl formats for: the one asked for when the catalogue is of its language
 * (en-GB's clock is not en-US's), English's for the pseudo-locale. */
const locale = language === PSEUDO ? "en" : intlLocale(asked, language);

function intlLocale(tag, fallback) {
  try {
    const [canonical] = Intl.getCanonicalLocales(String(tag).replace(/_/g, "-").split(/[.@]/)[0]);
    return canonical.split("-")[0] === fallback.split("-")[0] ? canonical : fallback;
  } catch {
    return fallback;
  }
}
const words = language === PSEUDO ? pseudoCatalogue(en) : { ...en, ...CATALOGUES[language] };
const plurals = new Intl.PluralRules(locale);
const numbers = new Intl.NumberFormat(locale);
const clock = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });

/** The language the window speaks (a key of the catalogues, or "qps"). */
export const currentLanguage = language;
export const direction = RIGHT_TO_LEFT.has(language.split("-")[0]) ? "rtl" : "ltr";

/**
 * The text of `key` with its {parameters} filled in; a plural text picks its form by
 * `params.count` (or `params.seconds`).
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  let text = words[key];
  if (text === undefined) throw new Error(`no text for ${key}`);
  if (typeof text === "object") {
    const count = params.count ?? params.seconds ?? 0;
    text = text[plurals.select(count)] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    const shown = typeof value === "number" ? numbers.format(value) : String(value);
    // In right-to-left text a name, path or address keeps its own order and its
    // punctuation stays where the sentence puts it (first-strong isolate … pop).
    return direction === "rtl" ? `\u2068${shown}\u2069` : shown;
  });
}

/**
 * The text for a code the core sends (`code` of a `prefix` family: "problem" +
 * "noSkill" is problemNoSkill), or `otherwise` for a code this page does not know.
 */
export function tCode(prefix, code, params, otherwise) {
  const key = prefix ? `${prefix}${String(code).charAt(0).toUpperCase()}${String(code).slice(1)}` : code;
  return key in words ? t(key, params) : otherwise;
}

/** A time of day as the customer's language writes it. */
export function timeOfDay(date) {
  return clock.format(date);
}

/** The page says what language it is in and which way it reads (the layout mirrors). */
export function applyLanguage(root = document.documentElement) {
  root.lang = language === PSEUDO ? "en-XA" : language;
  root.dir = direction;
}

/** The words for each failure code the customer can meet; any other is the generic one. */
const FAILURES = {
  cloud_unreachable: "errorUnreachable",
  network_name: "errorUnreachable",
  network_certificate: "errorCertificate",
  network_proxy_password: "errorProxyPassword",
  network_proxy_refused: "errorNetworkBlocked",
  network_proxy_unreachable: "errorProxyUnreachable",
  cloud_trouble: "errorCloudTrouble",
  start_failed: "errorStartFailed",
  cloud_rejected: "errorStartFailed",
  cloud_error: "errorStartFailed",
  no_api_key: "errorNotSetUp",
  not_configured: "errorNotSetUp",
  config: "errorNotSetUp",
  capture: "screenshotNotTaken",
};

/** What the customer reads about a failed command ({code, message}): the core's own
 * message is English and technical, and goes to the log instead. */
export function failureText(failure) {
  return t(FAILURES[failure?.code] ?? "errorGeneric");
}

/** The parts of a moment an export writes, as Intl names them. */
const MOMENT_FIELDS = new Set(["year", "month", "day", "hour", "minute", "second"]);

/**
 * The window's language as the core needs it for what it writes outside the window
 * (the tray, notifications, saved transcripts), lent once (`lend_words`): the catalogue
 * (plural forms too: the core picks them by the same CLDR rules), the tag the words are
 * written in, the locale they count in, their direction, how the language writes a
 * moment in UTC ({day}/{month}/… with its own order and punctuation, from Intl) and its
 * digits.
 */
export function lentWords() {
  const format = new Intl.DateTimeFormat(locale, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZone: "UTC", timeZoneName: "short",
  });
  const moment = format.formatToParts(new Date(Date.UTC(2001, 10, 22, 13, 4, 5)))
    .map((part) => (MOMENT_FIELDS.has(part.type) ? `{${part.type}}` : part.value.replace(/[{}]/g, "")))
    .join("");
  const digit = new Intl.NumberFormat(locale, { numberingSystem: format.resolvedOptions().numberingSystem, useGrouping: false });
  return {
    tag: document.documentElement.lang,
    locale,
    rightToLeft: direction === "rtl",
    words,
    moment,
    digits: Array.from({ length: 10 }, (_, value) => digit.format(value)).join(""),
  };
}
