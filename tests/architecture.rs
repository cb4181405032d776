//! The house as docs/architecture.md draws it: its map names every source file there is
//! (and none that is gone), and the core's folders import in one direction only, with no
//! cycle between any two of its modules. Read from the files, so a move, a new file or a
//! stray `use` fails here rather than in a reader's head.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The core's folders, each importing only those before it (its `lib.rs` says why).
const LAYERS: [&str; 7] = ["text", "device", "network", "wire", "error", "config", "chat"];

/// Where the sources are: every file under these, and these files themselves.
const MAPPED: [&str; 6] = ["src-tauri", "ui", "tests", ".ci", "Cargo.toml", "tauri.conf.json"];

/// What the tests and tools leave in a working tree: not sources.
const NOT_SOURCES: [&str; 4] = ["__pycache__", "artifacts", "target", "node_modules"];

#[test]
fn the_architecture_map_names_every_source_file_and_only_those() {
    let map = map_entries();
    let files = source_files();
    let unmapped: Vec<_> = files.iter().filter(|file| !map.iter().any(|entry| entry.covers(file))).collect();
    assert!(unmapped.is_empty(), "docs/architecture.md's map lacks {unmapped:?}");
    let gone: Vec<_> = map.iter().filter(|entry| !files.iter().any(|file| entry.covers(file))).collect();
    assert!(gone.is_empty(), "docs/architecture.md's map names what is not there: {gone:?}");
}

#[test]
fn the_cores_folders_import_only_the_folders_below_them() {
    let upward: Vec<String> = core_imports()
        .iter()
        .flat_map(|(from, to)| to.iter().map(move |to| (from, to)))
        .filter(|(from, to)| layer(from) < layer(to))
        .map(|(from, to)| format!("{} uses {}", from.join("::"), to.join("::")))
        .collect();
    assert!(upward.is_empty(), "imports against the layers {LAYERS:?}: {upward:#?}");
}

#[test]
fn no_two_modules_of_the_core_import_each_other_even_by_way_of_others() {
    let imports = core_imports();
    let mut cycles = Vec::new();
    for start in imports.keys() {
        if let Some(cycle) = path_back(&imports, start, start, &mut BTreeSet::new()) {
            cycles.push(format!("{} -> {}", start.join("::"), cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

/// One bullet of the map: a file, or a glob (`*.json`) for the files of one kind there.
#[derive(Debug)]
struct MapEntry {
    folder: String,
    name: String,
}

impl MapEntry {
    fn covers(&self, file: &str) -> bool {
        let (folder, name) = file.rsplit_once('/').map_or(("./", file), |(folder, name)| (folder, name));
        let folder = if folder == "./" { "./".to_owned() } else { format!("{folder}/") };
        folder == self.folder
            && match self.name.strip_prefix('*') {
                Some(ending) => name.ends_with(ending),
                None => name == self.name,
            }
    }
}

/// The map's entries: under `## The map`, a `### `folder/`` heading per folder and a
/// ``- `name` — …`` bullet per file in it.
fn map_entries() -> Vec<MapEntry> {
    let text = fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).expect("docs/architecture.md");
    let map = text.split_once("\n## The map\n").expect("docs/architecture.md has a `## The map` section").1;
    let map = map.split("\n## ").next().unwrap_or_default();
    let mut folder = None;
    let mut entries = Vec::new();
    for line in map.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            folder = Some(heading.trim().trim_matches('`').to_owned());
        } else if let (Some(folder), Some(bullet)) = (&folder, line.strip_prefix("- `")) {
            let name = bullet.split('`').next().unwrap_or_default();
            entries.push(MapEntry { folder: folder.clone(), name: name.to_owned() });
        }
    }
    assert!(!entries.is_empty(), "the map lists no file");
    entries
}

/// Every source file, as a path from the repository's root.
fn source_files() -> Vec<String> {
    let mut files = Vec::new();
    for top in MAPPED {
        walk(&Path::new(ROOT).join(top), &mut files);
    }
    files.into_iter().map(|path| path.strip_prefix(ROOT).unwrap().to_string_lossy().replace('\\', "/")).collect()
}

fn walk(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_owned());
        return;
    }
    let Ok(entries) = fs::read_dir(path) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !NOT_SOURCES.iter().any(|skipped| name == *skipped) {
            walk(&entry.path(), files);
        }
    }
}

type Module = Vec<String>;

/// Which of the core's modules each of its modules uses (`crate::…` and `super::…`
/// paths outside its tests), leaving out a module's own ancestors and descendants: a
/// folder's `mod.rs` and its files share one concern.
fn core_imports() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(ROOT).join("src-tauri/core/src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let modules: BTreeMap<Module, String> = files
        .iter()
        .filter(|file| file.extension().is_some_and(|extension| extension == "rs"))
        .map(|file| (module_of(file.strip_prefix(&src).unwrap()), fs::read_to_string(file).unwrap()))
        .filter(|(module, _)| !module.is_empty())
        .collect();
    let known: BTreeSet<Module> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, source)| {
            let used = paths_used(&without_tests(source))
                .into_iter()
                .filter_map(|(from_super, path)| {
                    let mut full = if from_super { module[..module.len() - 1].to_vec() } else { Vec::new() };
                    full.extend(path);
                    (1..=full.len()).rev().map(|n| full[..n].to_vec()).find(|prefix| known.contains(prefix))
                })
                .filter(|used| !used.starts_with(module) && !module.starts_with(used))
                .collect();
            (module.clone(), used)
        })
        .collect()
}

fn module_of(file: &Path) -> Module {
    let mut parts: Module = file.with_extension("").iter().map(|part| part.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|last| last == "mod" || last == "lib") {
        parts.pop();
    }
    parts
}

fn layer(module: &Module) -> usize {
    LAYERS
        .iter()
        .position(|layer| module[0] == *layer)
        .unwrap_or_else(|| panic!("{module:?} is in no layer of {LAYERS:?}"))
}

/// The source before its unit tests, without comments.
fn without_tests(source: &str) -> String {
    let code = source.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    code.lines().map(|line| line.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b` and `super::a::b` path, braces (`crate::{a, b::c}`) opened; `true`
/// for a path from `super`.
fn paths_used(code: &str) -> Vec<(bool, Vec<String>)> {
    let mut found = Vec::new();
    for (start, root) in [("crate::", false), ("super::", true)] {
        let mut rest = code;
        while let Some(at) = rest.find(start) {
            let preceded = rest[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[at + start.len()..];
            if !preceded {
                for path in expand(rest) {
                    found.push((root, path));
                }
            }
        }
    }
    found
}

/// The paths at the head of `text`: `a::b::X`, or each of `{a, b::{c, d}}`.
fn expand(text: &str) -> Vec<Vec<String>> {
    let segment: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if segment.is_empty() {
        return match text.strip_prefix('{') {
            Some(group) => split_group(group).iter().flat_map(|item| expand(item.trim_start())).collect(),
            None => vec![Vec::new()],
        };
    }
    let after = &text[segment.len()..];
    match after.strip_prefix("::") {
        Some(more) => expand(more)
            .into_iter()
            .map(|mut tail| {
                tail.insert(0, segment.clone());
                tail
            })
            .collect(),
        None => vec![vec![segment]],
    }
}

/// The items of a `{…}` group up to its closing brace, split at its own commas.
fn split_group(group: &str) -> Vec<&str> {
    let (mut depth, mut from, mut items) = (0, 0, Vec::new());
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[from..at]);
                return items;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[from..at]);
                from = at + 1;
            }
            _ => {}
        }
    }
    items
}

/// A way from `at` back to `to` through the imports, if there is one.
fn path_back(
    imports: &BTreeMap<Module, BTreeSet<Module>>,
    at: &Module,
    to: &Module,
    seen: &mut BTreeSet<Module>,
) -> Option<Vec<String>> {
    for next in imports.get(at).into_iter().flatten() {
        if next == to {
            return Some(vec![to.join("::")]);
        }
        if seen.insert(next.clone()) {
            if let Some(mut rest) = path_back(imports, next, to, seen) {
                rest.insert(0, next.join("::"));
                return Some(rest);
            }
        }
    }
    None
}
