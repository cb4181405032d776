// The queue's wait estimate in the customer's language. The cloud sends it as English
// prose ("about 2 minutes"); the shapes it is known to take are worded again from the
// catalogue, anything else is shown as sent rather than guessed at.
import { t } from "./i18n.js";

const NUMBER = "(\\d+)";
const SHAPES = [
  [/^(?:less than|under) (?:a|one|1) minute$/, () => t("waitLessThanAMinute")],
  [new RegExp(`^(?:about|around|approximately|approx\\.?|~) ?${NUMBER} (?:minutes?|mins?)$`), (n) => t("waitAboutMinutes", { count: n })],
  [/^(?:about|around|approximately) (?:a|one) minute$/, () => t("waitAboutMinutes", { count: 1 })],
  [new RegExp(`^(?:about|around|approximately|approx\\.?|~) ?${NUMBER} hours?$`), (n) => t("waitAboutHours", { count: n })],
  [/^(?:about|around|approximately) (?:an|one) hour$/, () => t("waitAboutHours", { count: 1 })],
  [new RegExp(`^${NUMBER} ?(?:-|–|to) ?${NUMBER} (?:minutes?|mins?)$`), (from, to) => t("waitMinutesRange", { from, to, count: to })],
  [new RegExp(`^${NUMBER} (?:minutes?|mins?)$`), (n) => t("waitMinutes", { count: n })],
  [new RegExp(`^${NUMBER} hours?$`), (n) => t("waitAboutHours", { count: n })],
];

/** `estimate` (the cloud's words) in the customer's language, or as sent. */
export function waitInWords(estimate) {
  const said = String(estimate).trim().toLowerCase().replace(/\s+/g, " ").replace(/\.$/, "");
  for (const [shape, word] of SHAPES) {
    const match = said.match(shape);
    if (match) return word(...match.slice(1).map(Number));
  }
  return String(estimate).trim();
}
