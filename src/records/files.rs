//! Files that hold trainees' answers: created readable by their owner only,
//! output paths checked before a run starts, and names and titles made safe
//! to print. Shared by the records store, the exports and the front ends.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Create `dir` and any missing parents; each folder created here is made
/// `0700` (owner only), whatever the umask. Existing folders are left as they are.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing: Vec<&Path> =
        dir.ancestors().take_while(|a| !a.as_os_str().is_empty() && !a.exists()).collect();
    missing.reverse();
    for d in missing {
        match std::fs::create_dir(d) {
            Ok(()) => set_mode(d, 0o700)?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Create an empty file readable and writable by its owner only (`0600`),
/// whatever the umask. Fails if it already exists.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => set_mode(path, 0o600),
        // Another station created it a moment ago: fine, SQLite opens it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Write `bytes` to `path` (replacing it), readable by its owner only when
/// the file is new: exports and debriefs hold trainees' answers.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let existed = path.exists();
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    if !existed {
        set_mode(path, 0o600)?;
    }
    f.write_all(bytes)?;
    f.flush()
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// Whether files can be created in `dir` (tried, not guessed from the mode
/// bits, so it is right for root, ACLs and read-only mounts too).
pub fn is_writable_dir(dir: &Path) -> bool {
    if !dir.is_dir() {
        return false;
    }
    let probe = dir.join(format!(".talkdown-probe-{}-{}", std::process::id(), nanos()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(_) => false,
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

/// Why an output file (`--html`, `--json`, `--output`) cannot be written,
/// found before a run or an export starts instead of after it.
pub fn check_output_path(path: &Path) -> Result<(), String> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if path.is_dir() {
        return Err(format!("cannot write {}: it is a folder; give a file name", path.display()));
    }
    if !dir.is_dir() {
        return Err(format!("cannot write {}: the folder {} does not exist", path.display(), dir.display()));
    }
    if path.exists() {
        if let Err(e) = std::fs::OpenOptions::new().append(true).open(path) {
            return Err(format!("cannot write {}: {e}", path.display()));
        }
    } else if !is_writable_dir(dir) {
        return Err(format!("cannot write {}: the folder {} is not writable", path.display(), dir.display()));
    }
    Ok(())
}

/// A `file:` URI for SQLite (`?`, `#` and `%` in the path escaped).
pub fn sqlite_uri(path: &Path, query: &str) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut p = String::new();
    for ch in abs.to_string_lossy().chars() {
        match ch {
            '?' => p.push_str("%3f"),
            '#' => p.push_str("%23"),
            '%' => p.push_str("%25"),
            c => p.push(c),
        }
    }
    format!("file:{p}?{query}")
}

/// A new file beside `records` for answers that cannot go into it:
/// `records.rescue-20250301T091500Z.sqlite3` (with `-2`, `-3`... if taken).
pub fn rescue_path(records: &Path) -> PathBuf {
    // A lab server has no folder beside it: the station's data folder instead.
    if super::pg::is_url(records) {
        let local = super::default_path().unwrap_or_else(|| std::env::temp_dir().join(super::DEFAULT_FILE));
        return rescue_path(&local);
    }
    let dir = records.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stem =
        records.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "records".into());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut candidate = dir.join(format!("{stem}.rescue-{stamp}.sqlite3"));
    let mut n = 2;
    while candidate.exists() {
        candidate = dir.join(format!("{stem}.rescue-{stamp}-{n}.sqlite3"));
        n += 1;
    }
    candidate
}

/// Control characters shown as escapes (the core's, see [`crate::text`]).
pub use crate::text::printable;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_escape_what_sqlite_would_read_as_a_query() {
        assert!(
            sqlite_uri(Path::new("/tmp/a?b#c%d.sqlite3"), "mode=ro")
                .ends_with("/tmp/a%3fb%23c%25d.sqlite3?mode=ro")
        );
    }
}
