// The pseudo-locale ("qps"): every English text accented, about 30 % longer and
// bracketed, its {parameters} untouched. A window in it shows at a glance any text that
// did not come through the catalogue (plain English) and any that does not fit its box
// (a missing "]").
const ACCENTED = Object.fromEntries([..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"].map((letter, index) =>
  [letter, [..."áƀçðéƒĝĥíĵķļɱñóþǫŕšţúṽŵẋýžÁƁÇÐÉƑĜĤÍĴĶĻṀÑÓÞǪŔŠŢÚṼŴẊÝŽ"][index]]));

function pseudoText(text) {
  const parts = text.split(/(\{\w+\})/);
  const accented = parts.map((part) => (/^\{\w+\}$/.test(part) ? part : [...part].map((c) => ACCENTED[c] ?? c).join("")));
  const shown = parts.filter((part) => !/^\{\w+\}$/.test(part)).join("").length;
  const longer = "·".repeat(Math.ceil(shown * 0.3));
  return `[${accented.join("")}${longer ? ` ${longer}` : ""}]`;
}

/** The catalogue `source` (English) in the pseudo-locale. */
export function pseudoCatalogue(source) {
  return Object.fromEntries(Object.entries(source).map(([key, value]) => [key,
    typeof value === "object"
      ? Object.fromEntries(Object.entries(value).map(([form, text]) => [form, pseudoText(text)]))
      : pseudoText(value)]));
}
