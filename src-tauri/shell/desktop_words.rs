//! The words the app shows outside its window (the tray's menu and tooltip, desktop
//! notifications) in the window's language. The page holds the catalogues
//! (`ui/js/locales/`) and lends them once it has chosen its language (the
//! `lend_desktop_words` command); until then, and for a key it lacks, they are English.
//! Counts pick their plural form by CLDR's rules for the language, as the page's
//! `Intl.PluralRules` does.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use serde::Deserialize;
use unic_langid::LanguageIdentifier;

/// A catalogue text: plain, or one form per plural category ("one", "few", "other" …).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Forms(HashMap<String, String>),
}

/// What the page lends: its language's tag and its catalogue.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Lent {
    pub tag: String,
    pub words: HashMap<String, Text>,
    /// The language's digits, zero to nine, for counts.
    pub digits: String,
}

pub struct DesktopWords {
    words: HashMap<String, Text>,
    plurals: Option<PluralRules>,
    digits: Vec<char>,
}

impl DesktopWords {
    pub fn english() -> Self {
        Self::from(Lent::default())
    }

    /// `key`'s text with `{name}` parameters filled, or `english` when the page lent none.
    pub fn say(&self, key: &str, params: &[(&str, &str)], english: impl FnOnce() -> String) -> String {
        match self.words.get(key) {
            Some(Text::Plain(text)) => fill(text, params),
            Some(Text::Forms(forms)) => fill(forms.get("other").map_or("", String::as_str), params),
            None => english(),
        }
    }

    /// `key`'s form for `count` (also its `{count}` parameter), or `english`.
    pub fn count(&self, key: &str, count: u32, params: &[(&str, &str)], english: impl FnOnce() -> String) -> String {
        let Some(Text::Forms(forms)) = self.words.get(key) else { return english() };
        let category = self.plurals.as_ref().and_then(|rules| rules.select(count).ok()).unwrap_or(PluralCategory::OTHER);
        let Some(form) = forms.get(category_name(category)).or_else(|| forms.get("other")) else { return english() };
        let count: String = count
            .to_string()
            .chars()
            .map(|c| c.to_digit(10).and_then(|d| self.digits.get(d as usize).copied()).unwrap_or(c))
            .collect();
        let mut all = vec![("count", count.as_str())];
        all.extend_from_slice(params);
        fill(form, &all)
    }
}

impl From<Lent> for DesktopWords {
    fn from(lent: Lent) -> Self {
        // The pseudo-locale ("qps", tagged en-XA in the page) counts as English does.
        let plurals = lent
            .tag
            .parse::<LanguageIdentifier>()
            .ok()
            .and_then(|language| PluralRules::create(language, PluralRuleType::CARDINAL).ok());
        let digits: Vec<char> = lent.digits.chars().collect();
        Self {
            words: lent.words,
            plurals,
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

fn fill(text: &str, params: &[(&str, &str)]) -> String {
    params.iter().fold(text.to_owned(), |said, (name, value)| said.replace(&format!("{{{name}}}"), value))
}

/// The words in use, shared by the tray and the notifications; replaced whole when the
/// page lends its own.
#[derive(Clone)]
pub struct Wording(Arc<RwLock<Arc<DesktopWords>>>);

impl Wording {
    pub fn new() -> Self {
        Self(Arc::new(RwLock::new(Arc::new(DesktopWords::english()))))
    }

    pub fn now(&self) -> Arc<DesktopWords> {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn lend(&self, lent: Lent) {
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(lent.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lent(tag: &str, words: serde_json::Value) -> DesktopWords {
        serde_json::from_value::<Lent>(serde_json::json!({ "tag": tag, "words": words })).unwrap().into()
    }

    #[test]
    fn until_the_page_lends_its_words_they_are_english() {
        let words = DesktopWords::english();
        assert_eq!(words.say("openChat", &[], || "Open chat".into()), "Open chat");
        assert_eq!(words.count("newMessages", 3, &[], || "3 new messages".into()), "3 new messages");
    }

    #[test]
    fn a_count_takes_its_languages_plural_form() {
        let arabic = lent("ar", serde_json::json!({
            "newMessages": {
                "zero": "لا رسائل", "one": "رسالة جديدة", "two": "رسالتان جديدتان",
                "few": "{count} رسائل جديدة", "many": "{count} رسالة جديدة", "other": "{count} رسالة جديدة"
            }
        }));
        let said = |count| arabic.count("newMessages", count, &[], || unreachable!());
        assert_eq!(said(2), "رسالتان جديدتان");
        assert_eq!(said(3), "3 رسائل جديدة", "few: 3 to 10");
        assert_eq!(said(11), "11 رسالة جديدة", "many: 11 to 99");
        let with_digits: DesktopWords = serde_json::from_value::<Lent>(serde_json::json!({
            "tag": "ar", "digits": "٠١٢٣٤٥٦٧٨٩", "words": { "newMessages": { "few": "{count} رسائل جديدة", "other": "-" } }
        })).unwrap().into();
        assert_eq!(with_digits.count("newMessages", 10, &[], || unreachable!()), "١٠ رسائل جديدة", "in the language's digits");

        let french = lent("fr", serde_json::json!({
            "newMessagesFrom": { "one": "{count} nouveau message de {name}", "other": "{count} nouveaux messages de {name}" }
        }));
        assert_eq!(french.count("newMessagesFrom", 2, &[("name", "Myles")], || unreachable!()), "2 nouveaux messages de Myles");
    }

    #[test]
    fn a_text_fills_its_parameters_and_a_missing_form_falls_back_to_other() {
        let spanish = lent("es", serde_json::json!({
            "openChat": "Abrir el chat",
            "unread": { "other": "{count} sin leer" }
        }));
        assert_eq!(spanish.say("openChat", &[], || unreachable!()), "Abrir el chat");
        assert_eq!(spanish.count("unread", 1, &[], || unreachable!()), "1 sin leer");
        assert_eq!(spanish.say("quit", &[], || "Quit".into()), "Quit");
    }

    #[test]
    fn a_tag_nobody_knows_counts_as_other() {
        let odd = lent("not a tag", serde_json::json!({ "n": { "one": "one", "other": "many" } }));
        assert_eq!(odd.count("n", 1, &[], || unreachable!()), "many");
    }
}
