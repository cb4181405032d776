//! The words the app writes outside its window (the tray, desktop notifications, saved
//! transcripts) in the window's language. The page holds the catalogues
//! (`ui/js/locales/`) and lends them once it has chosen its language, with what a
//! language needs besides its words ([`LentWords`]): its direction, its digits, how it
//! writes a date (from `Intl`) and the locale it counts in. Until then, and for a key it
//! lacks, the words are English. Counts pick their plural form by CLDR's rules, as the
//! page's `Intl.PluralRules` does.

use std::collections::HashMap;

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use serde::Deserialize;
use unic_langid::LanguageIdentifier;

use crate::text::utc::Utc;

/// A catalogue text: plain, or one form per plural category ("one", "few", "other" …).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Forms(HashMap<String, String>),
}

/// What the page lends, once: its language and everything the core needs to write in it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LentWords {
    /// The BCP 47 tag the words are written in (a web page's `lang`).
    pub tag: String,
    /// The locale the page counts and writes dates in (`en-GB` for English words).
    pub locale: String,
    pub right_to_left: bool,
    /// The catalogue by key, `{parameters}` unfilled.
    pub words: HashMap<String, Text>,
    /// How the language writes a moment in UTC: `{year}`, `{month}`, `{day}`, `{hour}`,
    /// `{minute}` and `{second}` among its own text (from `Intl.DateTimeFormat`'s parts).
    pub moment: String,
    /// The language's digits, zero to nine.
    pub digits: String,
}

/// A language's words, ready to fill.
pub struct Words {
    tag: String,
    right_to_left: bool,
    texts: HashMap<String, Text>,
    plurals: Option<PluralRules>,
    moment: String,
    /// Ten, or none (ASCII digits).
    digits: Vec<char>,
}

/// A field of a moment and how many digits it is written with.
const MOMENT_FIELDS: [(&str, usize); 6] =
    [("year", 4), ("month", 2), ("day", 2), ("hour", 2), ("minute", 2), ("second", 2)];

impl Words {
    pub fn english() -> Self {
        Self::from(LentWords::default())
    }

    /// `key`'s text with `{name}` parameters filled, or `english` (already filled) when
    /// the page lent none. In right-to-left text a value keeps its own order and its
    /// punctuation stays where the sentence puts it (first-strong isolate … pop), as in
    /// the window.
    pub fn say(&self, key: &str, params: &[(&str, &str)], english: impl FnOnce() -> String) -> String {
        match self.texts.get(key) {
            Some(Text::Plain(text)) => self.fill(text, params),
            Some(Text::Forms(forms)) => self.fill(forms.get("other").map_or("", String::as_str), params),
            None => english(),
        }
    }

    /// `key`'s form for `count` (also its `{count}` parameter, in the language's
    /// digits), or `english`.
    pub fn count(&self, key: &str, count: u32, params: &[(&str, &str)], english: impl FnOnce() -> String) -> String {
        let Some(Text::Forms(forms)) = self.texts.get(key) else { return english() };
        let category =
            self.plurals.as_ref().and_then(|rules| rules.select(count).ok()).unwrap_or(PluralCategory::OTHER);
        let Some(form) = forms.get(category_name(category)).or_else(|| forms.get("other")) else { return english() };
        let count = self.in_digits(&count.to_string());
        let mut all = vec![("count", count.as_str())];
        all.extend_from_slice(params);
        self.fill(form, &all)
    }

    /// The language's tag if it is one, else `en`.
    pub fn tag(&self) -> &str {
        if is_language_tag(&self.tag) {
            &self.tag
        } else {
            "en"
        }
    }

    pub fn right_to_left(&self) -> bool {
        self.right_to_left
    }

    /// A moment as the language writes it; `YYYY-MM-DD HH:MM:SS UTC` when the page gave
    /// no usable pattern.
    pub fn moment(&self, millis: u64) -> String {
        let utc = Utc::from_millis(i64::try_from(millis).unwrap_or(i64::MAX));
        let usable = self.moment.len() <= 80
            && MOMENT_FIELDS.iter().all(|(field, _)| self.moment.contains(&format!("{{{field}}}")));
        if !usable {
            return utc.readable();
        }
        let values = [utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second];
        let mut said = self.moment.clone();
        for ((field, width), value) in MOMENT_FIELDS.iter().zip(values) {
            said = said.replace(&format!("{{{field}}}"), &self.in_digits(&format!("{value:0width$}")));
        }
        // Not filtered as typed text is: the page's Intl marks Arabic dates right to
        // left (U+200F), and without those marks the parts would be shown out of order.
        said
    }

    fn in_digits(&self, ascii: &str) -> String {
        ascii.chars().map(|c| c.to_digit(10).and_then(|d| self.digits.get(d as usize).copied()).unwrap_or(c)).collect()
    }

    fn fill(&self, text: &str, params: &[(&str, &str)]) -> String {
        params.iter().fold(text.to_owned(), |said, (name, value)| {
            let value = if self.right_to_left { format!("\u{2068}{value}\u{2069}") } else { (*value).to_owned() };
            said.replace(&format!("{{{name}}}"), &value)
        })
    }
}

impl From<LentWords> for Words {
    fn from(lent: LentWords) -> Self {
        // The pseudo-locale ("qps", tagged en-XA in the page) counts in English's locale.
        let plurals = lent
            .locale
            .parse::<LanguageIdentifier>()
            .ok()
            .and_then(|language| PluralRules::create(language, PluralRuleType::CARDINAL).ok());
        let digits: Vec<char> = lent.digits.chars().collect();
        Self {
            tag: lent.tag,
            right_to_left: lent.right_to_left,
            texts: lent.words,
            plurals,
            moment: lent.moment,
            digits: if digits.len() == 10 { digits } else { Vec::new() },
        }
    }
}

fn category_name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::ZERO => "zero",
        PluralCategory::ONE => "one",
        PluralCategory::TWO => "two",
        PluralCategory::FEW => "few",
        PluralCategory::MANY => "many",
        PluralCategory::OTHER => "other",
    }
}

/// Whether `tag` is shaped as a BCP 47 language tag: letters and digits in hyphenated
/// parts of at most eight, 35 in all (what a web page's `lang` may safely hold).
pub fn is_language_tag(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag
            .split('-')
            .all(|part| !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lent(tag: &str, words: serde_json::Value) -> Words {
        serde_json::from_value::<LentWords>(serde_json::json!({ "tag": tag, "locale": tag, "words": words }))
            .unwrap()
            .into()
    }

    #[test]
    fn until_the_page_lends_its_words_they_are_english() {
        let words = Words::english();
        assert_eq!(words.say("openChat", &[], || "Open chat".into()), "Open chat");
        assert_eq!(words.count("newMessages", 3, &[], || "3 new messages".into()), "3 new messages");
    }

    #[test]
    fn a_count_takes_its_languages_plural_form() {
        let arabic = lent(
            "ar",
            serde_json::json!({
                "newMessages": {
                    "zero": "لا رسائل", "one": "رسالة جديدة", "two": "رسالتان جديدتان",
                    "few": "{count} رسائل جديدة", "many": "{count} رسالة جديدة", "other": "{count} رسالة جديدة"
                }
            }),
        );
        let said = |count| arabic.count("newMessages", count, &[], || unreachable!());
        assert_eq!(said(2), "رسالتان جديدتان");
        assert_eq!(said(3), "3 رسائل جديدة", "few: 3 to 10");
        assert_eq!(said(11), "11 رسالة جديدة", "many: 11 to 99");
        let with_digits: Words = serde_json::from_value::<LentWords>(serde_json::json!({
            "tag": "ar", "locale": "ar", "digits": "٠١٢٣٤٥٦٧٨٩", "words": { "newMessages": { "few": "{count} رسائل جديدة", "other": "-" } }
        })).unwrap().into();
        assert_eq!(
            with_digits.count("newMessages", 10, &[], || unreachable!()),
            "١٠ رسائل جديدة",
            "in the language's digits"
        );

        let french = lent(
            "fr",
            serde_json::json!({
                "newMessagesFrom": { "one": "{count} nouveau message de {name}", "other": "{count} nouveaux messages de {name}" }
            }),
        );
        assert_eq!(
            french.count("newMessagesFrom", 2, &[("name", "Myles")], || unreachable!()),
            "2 nouveaux messages de Myles"
        );
    }

    #[test]
    fn a_text_fills_its_parameters_and_a_missing_form_falls_back_to_other() {
        let spanish = lent(
            "es",
            serde_json::json!({
                "openChat": "Abrir el chat",
                "unread": { "other": "{count} sin leer" }
            }),
        );
        assert_eq!(spanish.say("openChat", &[], || unreachable!()), "Abrir el chat");
        assert_eq!(spanish.count("unread", 1, &[], || unreachable!()), "1 sin leer");
        assert_eq!(spanish.say("quit", &[], || "Quit".into()), "Quit");
    }

    #[test]
    fn a_tag_nobody_knows_counts_as_other() {
        let odd = lent("not a tag", serde_json::json!({ "n": { "one": "one", "other": "many" } }));
        assert_eq!(odd.count("n", 1, &[], || unreachable!()), "many");
    }

    #[test]
    fn in_right_to_left_words_a_value_is_isolated_so_it_keeps_its_own_order() {
        let arabic: Words = serde_json::from_value::<LentWords>(serde_json::json!({
            "tag": "ar", "locale": "ar", "rightToLeft": true, "words": { "joined": "انضم {name} إلى الدردشة" }
        }))
        .unwrap()
        .into();
        assert_eq!(
            arabic.say("joined", &[("name", "Myles (IT)")], || unreachable!()),
            "انضم \u{2068}Myles (IT)\u{2069} إلى الدردشة"
        );
        assert_eq!(
            lent("fr", serde_json::json!({ "joined": "{name} a rejoint" })).say(
                "joined",
                &[("name", "Myles")],
                || unreachable!()
            ),
            "Myles a rejoint"
        );
    }
}
