//! The settings IT deploys for every user of a computer, and the user's file laid over
//! them. The machine's file has the keys of the user's (`config.toml`) and one of its
//! own, `locked`: the settings nothing after it may change, neither the user's file nor
//! an `XIMA_*` variable, a flag or the settings screen.
//!
//! ```toml
//! # /etc/xima-chat/config.toml, %ProgramData%\xima-chat\config.toml,
//! # /Library/Application Support/xima-chat/config.toml
//! installation-id = "9c108bb3-8924-4234-a53c-be9ab284d4e3"
//! skills = ["IT help desk"]
//! proxy = "http://proxy.corp:3128"
//! locked = ["installation-id", "base-url", "proxy", "kiosk.enabled"]
//! ```
//!
//! A locked key the file does not set is locked at its default: `locked = ["wire-log"]`
//! keeps the wire log off. `kiosk` locks the whole section, `kiosk.skill` one key of it.

use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Visitor};

use crate::config::{AppConfig, ConfigError, KioskConfig};

/// The machine's file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineSettings {
    path: PathBuf,
    /// What the file sets, `locked` left out.
    table: toml::Table,
    locked: Vec<String>,
}

/// Where IT puts the machine's file. Debug builds (the tests) may move it with
/// `XIMA_MACHINE_CONFIG`; a release build reads only the place an administrator's
/// rights guard, or a user could unlock what IT locked by pointing it elsewhere.
pub fn machine_config_path() -> Option<PathBuf> {
    if cfg!(debug_assertions) {
        if let Some(path) = std::env::var_os("XIMA_MACHINE_CONFIG").filter(|path| !path.is_empty()) {
            return Some(PathBuf::from(path));
        }
    }
    platform_machine_config_path()
}

#[cfg(windows)]
fn platform_machine_config_path() -> Option<PathBuf> {
    // %ProgramData% is every user's and writable only by administrators; Windows sets it
    // for every process (C:\ProgramData unless the system was set up otherwise).
    std::env::var_os("ProgramData").map(|data| PathBuf::from(data).join("xima-chat").join("config.toml"))
}

#[cfg(target_os = "macos")]
fn platform_machine_config_path() -> Option<PathBuf> {
    Some(PathBuf::from("/Library/Application Support/xima-chat/config.toml"))
}

#[cfg(not(any(windows, target_os = "macos")))]
fn platform_machine_config_path() -> Option<PathBuf> {
    Some(PathBuf::from("/etc/xima-chat/config.toml"))
}

impl MachineSettings {
    /// The file at `path`; `None` when there is none (most computers).
    pub fn read(path: &Path) -> Result<Option<Self>, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ConfigError::Read { path: path.to_owned(), source }),
        };
        Self::parse(path, &text).map(Some)
    }

    fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Parse { path: path.to_owned(), message };
        let mut table: toml::Table = toml::from_str(text).map_err(|error| invalid(error.message().to_owned()))?;
        let locked = match table.remove("locked") {
            None => Vec::new(),
            Some(toml::Value::Array(names)) => names
                .into_iter()
                .map(|name| match name {
                    toml::Value::String(name) => Ok(name.trim().to_owned()),
                    other => Err(invalid(format!("locked lists setting names, not {other}"))),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("locked must be a list of setting names".into())),
        };
        if let Some(unknown) = locked.iter().find(|name| !is_setting(name)) {
            return Err(invalid(format!("locked names {unknown:?}, which is not a setting")));
        }
        AppConfig::deserialize(toml::Value::Table(table.clone()))
            .map_err(|error| invalid(error.message().to_owned()))?
            .check_facts()
            .map_err(invalid)?;
        Ok(Self { path: path.to_owned(), table, locked })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The locked keys, as the file names them.
    pub fn locked(&self) -> &[String] {
        &self.locked
    }

    /// Whether `key` (`base-url`, `kiosk.skill`) is locked, itself or by its section.
    pub fn is_locked(&self, key: &str) -> bool {
        let section = key.split_once('.').map(|(section, _)| section);
        self.locked.iter().any(|locked| locked == key || Some(locked.as_str()) == section)
    }

    /// Puts back the machine's value of every locked key, whatever the user's file, the
    /// variables and the flags made of it; returns the keys that had been changed, for
    /// the log.
    pub fn enforce(&self, config: &mut AppConfig) -> Result<Vec<String>, ConfigError> {
        if self.locked.is_empty() {
            return Ok(Vec::new());
        }
        let unusable = |message: String| ConfigError::Parse { path: self.path.clone(), message };
        let ours = AppConfig::deserialize(toml::Value::Table(self.table.clone()))
            .map_err(|error| unusable(error.message().to_owned()))?;
        let ours = ours.as_table().map_err(unusable)?;
        let mut effective = config.as_table().map_err(unusable)?;
        let mut overruled = Vec::new();
        for key in &self.locked {
            let path: Vec<&str> = key.split('.').collect();
            let wanted = lookup(&ours, &path).cloned();
            if lookup(&effective, &path) != wanted.as_ref() {
                overruled.push(key.clone());
            }
            place(&mut effective, &path, wanted);
        }
        *config = AppConfig::deserialize(toml::Value::Table(effective))
            .map_err(|error| unusable(error.message().to_owned()))?;
        Ok(overruled)
    }
}

/// The settings IT deployed (if any), then the user's file over them key by key (a
/// section's keys one by one, a list as a whole).
pub fn layered_settings(machine: Option<&MachineSettings>, user_file: Option<&Path>) -> Result<AppConfig, ConfigError> {
    let mut table = machine.map(|machine| machine.table.clone()).unwrap_or_default();
    if let Some(path) = user_file {
        let (_, theirs) = AppConfig::file_table(path)?;
        merge(&mut table, theirs);
    }
    let origin = user_file.or(machine.map(MachineSettings::path)).map(Path::to_owned).unwrap_or_default();
    AppConfig::deserialize(toml::Value::Table(table))
        .map_err(|error| ConfigError::Parse { path: origin, message: error.message().to_owned() })
}

fn merge(into: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (into.get_mut(&key), value) {
            (Some(toml::Value::Table(section)), toml::Value::Table(theirs)) => merge(section, theirs),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

fn lookup<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    match path {
        [] => None,
        [key] => table.get(*key),
        [section, rest @ ..] => lookup(table.get(*section)?.as_table()?, rest),
    }
}

/// Sets (or, for `None`, removes: the default) the value at `path`.
fn place(table: &mut toml::Table, path: &[&str], value: Option<toml::Value>) {
    match (path, value) {
        ([key], Some(value)) => {
            table.insert((*key).to_owned(), value);
        }
        ([key], None) => {
            table.remove(*key);
        }
        ([section, rest @ ..], value) => {
            let entry = table.entry((*section).to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(section) = entry {
                place(section, rest, value);
            }
        }
        ([], _) => {}
    }
}

/// `base-url`, `kiosk`, `kiosk.skill`: a key of the settings or of their kiosk section.
fn is_setting(name: &str) -> bool {
    match name.split_once('.') {
        None => field_names::<AppConfig>().contains(&name),
        Some(("kiosk", key)) => field_names::<KioskConfig>().contains(&key),
        Some(_) => false,
    }
}

/// The names a struct's `Deserialize` knows it by, as serde's derive hands them to the
/// deserializer; read from there so that the list of settings is said once, in the struct.
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldNames(&mut names));
    names
}

struct FieldNames<'a>(&'a mut &'static [&'static str]);

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("only a struct's field names are read"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("only a struct's field names are read"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(text: &str) -> MachineSettings {
        MachineSettings::parse(Path::new("/etc/xima-chat/config.toml"), text).unwrap()
    }

    fn refused(text: &str) -> String {
        MachineSettings::parse(Path::new("/etc/xima-chat/config.toml"), text).unwrap_err().to_string()
    }

    fn users_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xima-machine-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_users_file_is_laid_over_the_machines_key_by_key() {
        let it = machine(
            "installation-id = \"from-it\"\nskills = [\"IT\"]\nkeepalive-seconds = 20\n\
             [kiosk]\nskill = \"Lobby\"\nidle-reset-seconds = 60\n",
        );
        let file = users_file("layered", "skills = [\"Mine\"]\n[kiosk]\nidle-reset-seconds = 90\n");
        let config = layered_settings(Some(&it), Some(&file)).unwrap();
        assert_eq!(config.installation_id, "from-it", "the machine's, the user's file says nothing");
        assert_eq!(config.skills, ["Mine"], "not locked: the user's file decides");
        assert_eq!(config.keepalive_seconds, 20);
        assert_eq!(config.kiosk.skill.as_deref(), Some("Lobby"), "a section merges key by key");
        assert_eq!(config.kiosk.idle_reset_seconds, 90);
        assert_eq!(layered_settings(Some(&it), None).unwrap().skills, ["IT"], "no user's file");
        assert_eq!(layered_settings(None, None).unwrap(), AppConfig::default());
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }

    #[test]
    fn a_locked_key_keeps_the_machines_value_whatever_came_after() {
        let it = machine(
            "installation-id = \"from-it\"\nbase-url = \"https://mm-v2.ximasoftware.com\"\n\
             locked = [\"installation-id\", \"base-url\", \"wire-log\", \"kiosk.enabled\"]\n",
        );
        let mut config = AppConfig {
            installation_id: "the-users".into(),
            skills: vec!["Mine".into()],
            wire_log: Some("/tmp/wire.jsonl".into()),
            ..AppConfig::default()
        };
        config.kiosk.enabled = true;
        let overruled = it.enforce(&mut config).unwrap();
        assert_eq!(overruled, ["installation-id", "base-url", "wire-log", "kiosk.enabled"]);
        assert_eq!(config.installation_id, "from-it");
        assert_eq!(config.base_url, "https://mm-v2.ximasoftware.com");
        assert_eq!(config.wire_log, None, "locked at its default");
        assert!(!config.kiosk.enabled, "a kiosk's switch too");
        assert_eq!(config.skills, ["Mine"], "what is not locked is the user's");
        assert_eq!(it.enforce(&mut config).unwrap(), Vec::<String>::new(), "nothing left to overrule");
    }

    #[test]
    fn a_locked_section_locks_each_of_its_keys() {
        let it = machine("locked = [\"kiosk\"]\n[kiosk]\nenabled = true\nskill = \"Lobby\"\n");
        assert!(it.is_locked("kiosk.skill") && it.is_locked("kiosk"));
        assert!(!it.is_locked("skills") && !it.is_locked("kiosk-ish"));
        let mut config = AppConfig::default();
        config.kiosk.skill = Some("Elsewhere".into());
        it.enforce(&mut config).unwrap();
        assert!(config.kiosk.enabled);
        assert_eq!(config.kiosk.skill.as_deref(), Some("Lobby"));
    }

    #[test]
    fn a_machine_file_that_cannot_be_meant_is_refused_with_why() {
        assert!(refused("locked = [\"base-uri\"]").contains("\"base-uri\", which is not a setting"));
        assert!(refused("locked = [\"kiosk.skil\"]").contains("not a setting"));
        assert!(refused("locked = \"base-url\"").contains("a list of setting names"));
        assert!(refused("locked = [1]").contains("setting names"));
        assert!(refused("api-key = \"k\"").contains("api-key"), "no API key in this file either");
        assert!(refused("skills = [").contains("/etc/xima-chat/config.toml"), "says which file");
        assert!(machine("locked = [\"custom-chat-info\", \"kiosk.queue-idle-reset-seconds\"]")
            .is_locked("custom-chat-info"));
    }

    #[test]
    fn no_machine_file_is_the_usual_case() {
        let missing = std::env::temp_dir().join("xima-no-machine-file").join("config.toml");
        assert_eq!(MachineSettings::read(&missing).unwrap(), None);
    }

    /// Where Windows (and Wine: tests/windows/run.sh) keeps what is every user's.
    #[cfg(windows)]
    #[test]
    fn on_windows_it_puts_the_machines_settings_in_program_data() {
        let data = PathBuf::from(std::env::var("ProgramData").expect("Windows sets it"));
        assert_eq!(platform_machine_config_path(), Some(data.join("xima-chat").join("config.toml")));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn on_linux_it_puts_the_machines_settings_in_etc() {
        assert_eq!(platform_machine_config_path(), Some(PathBuf::from("/etc/xima-chat/config.toml")));
    }
}
