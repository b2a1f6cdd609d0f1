//! A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary
//! folder, `postgres` on a free loopback port (and a Unix socket in that
//! folder), stopped by its PID (SIGINT: fast shutdown; then SIGKILL).
//!
//! - The server refuses to run as root. As root (CI), it runs as the system
//!   user `talkdown-test` that `.ci/setup` creates (else `nobody`), and the
//!   temporary folder is given to that user. As anyone else, as yourself.
//! - The server binaries come from `TALKDOWN_PG_BIN`, else the newest
//!   `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql` package), else
//!   `initdb` on the PATH. When there are none the test **fails** and says to
//!   run `.ci/setup`; `TALKDOWN_SKIP_PG=1` skips the PostgreSQL tests instead.
//! - One cluster per test binary ([`shared`]), started on first use and stopped
//!   when the binary exits; each test takes its own database ([`Pg::database`]).
//! - The superuser is `postgres`, with password [`ADMIN_PASSWORD`] over TCP
//!   (scram-sha-256) and no password over the socket.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const ADMIN_PASSWORD: &str = "throwaway-admin-pw";

/// A running cluster. Dropping it stops the server and removes its folder.
pub struct Pg {
    pub port: u16,
    pub dir: PathBuf,
    pid: AtomicU32,
    child: Mutex<Option<Child>>,
    next_db: AtomicU32,
    /// Whether Drop (or the exit hook) should remove `dir`.
    owned_dir: bool,
}

/// `true` when PostgreSQL tests are to be skipped (`TALKDOWN_SKIP_PG=1`).
pub fn skipped() -> bool {
    std::env::var("TALKDOWN_SKIP_PG").is_ok_and(|v| v == "1")
}

/// The cluster shared by every test of this binary, started on first use;
/// `None` only when `TALKDOWN_SKIP_PG=1`. Panics (failing the test) with what
/// to do when PostgreSQL is not installed or does not start.
pub fn shared() -> Option<&'static Pg> {
    static CLUSTER: OnceLock<Pg> = OnceLock::new();
    if skipped() {
        eprintln!("TALKDOWN_SKIP_PG=1: skipping a PostgreSQL test");
        return None;
    }
    let pg = CLUSTER.get_or_init(|| {
        let pg = Pg::start(&[]);
        register_exit_hook(pg.pid.load(Ordering::SeqCst), pg.dir.clone());
        pg
    });
    Some(pg)
}

/// Where the server binaries are.
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TALKDOWN_PG_BIN") {
        return PathBuf::from(d);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if d.join("initdb").exists() && d.join("postgres").exists() {
                return d;
            }
        }
    }
    panic!(
        "PostgreSQL's server binaries (initdb, postgres) were not found in /usr/lib/postgresql/*/bin or on the PATH: \
         run `bash .ci/setup` (it installs Debian's `postgresql` package), set TALKDOWN_PG_BIN to their folder, \
         or set TALKDOWN_SKIP_PG=1 to skip the PostgreSQL tests"
    );
}

/// The user the server runs as: `None` (ourselves) unless we are root.
fn server_user() -> Option<(u32, u32, &'static str)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    for name in ["talkdown-test", "nobody"] {
        let out = Command::new("id").args(["-u", name]).output().ok()?;
        let gid = Command::new("id").args(["-g", name]).output().ok()?;
        if out.status.success() && gid.status.success() {
            let uid = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
            let gid = String::from_utf8_lossy(&gid.stdout).trim().parse().ok()?;
            return Some((uid, gid, name));
        }
    }
    panic!("running as root and neither the user talkdown-test nor nobody exists: run `bash .ci/setup`");
}

fn as_server_user(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid, _)) = server_user() {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Start `postgres` on `data` and wait until it takes connections: `None`
/// when the port was taken (try another); panics with the server's log on
/// any other failure.
fn run_server(dir: &Path, data: &Path, port: u16) -> Option<Child> {
    let log = dir.join("server.log");
    let log_file = std::fs::File::create(&log).expect("create the server log");
    if let Some((uid, gid, _)) = server_user() {
        std::os::unix::fs::chown(&log, Some(uid), Some(gid)).expect("chown the log");
    }
    let mut cmd = Command::new(bin_dir().join("postgres"));
    as_server_user(&mut cmd)
        .current_dir(dir)
        .arg("-D")
        .arg(data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-k"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file);
    let mut child = spawn_tied_to_this_process(cmd);
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().ok().flatten() {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
            if text.contains("could not bind") || text.contains("Address already in use") {
                return None;
            }
            panic!("postgres exited ({status}) while starting:\n{text}");
        }
        if is_ready(data) {
            return Some(child);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let mut text = String::new();
            let _ = std::fs::File::open(&log).and_then(|mut f| f.read_to_string(&mut text));
            stop_pid(child.id());
            panic!("postgres did not become ready in 60 s:\n{text}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Pg {
    /// Start a new cluster. `conf` lines are appended to postgresql.conf
    /// (e.g. `ssl = on`); files they name should be in [`Pg::dir`] beforehand,
    /// so use [`Pg::start_in`] for that.
    pub fn start(conf: &[&str]) -> Pg {
        let dir =
            tempfile::Builder::new().prefix("talkdown-pg-").tempdir().expect("a temporary folder").keep();
        Pg::start_in(dir, conf, true)
    }

    /// Start a cluster whose data folder is `dir/data` (made by initdb).
    pub fn start_in(dir: PathBuf, conf: &[&str], owned_dir: bool) -> Pg {
        let bin = bin_dir();
        if !bin.join("initdb").exists() || !bin.join("postgres").exists() {
            panic!(
                "{} has no initdb/postgres: run `bash .ci/setup` (Debian's `postgresql` package), \
                 or set TALKDOWN_SKIP_PG=1 to skip the PostgreSQL tests",
                bin.display()
            );
        }
        if let Some((uid, gid, _)) = server_user() {
            chown_tree(&dir, uid, gid);
        }
        let data = dir.join("data");
        let pwfile = dir.join("pw");
        std::fs::write(&pwfile, ADMIN_PASSWORD).expect("write the password file");
        if let Some((uid, gid, _)) = server_user() {
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).expect("chown the password file");
        }
        let out = as_server_user(Command::new(bin.join("initdb")).current_dir(&dir))
            .args(["--username", "postgres", "--auth-local", "trust", "--auth-host", "scram-sha-256"])
            .args(["--encoding", "UTF8", "--locale", "C", "--no-sync", "--pwfile"])
            .arg(&pwfile)
            .arg("-D")
            .arg(&data)
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut extra = String::from("\nfsync = off\nfull_page_writes = off\nsynchronous_commit = off\n");
        for line in conf {
            extra.push_str(line);
            extra.push('\n');
        }
        let conf_path = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_path).expect("read postgresql.conf");
        text.push_str(&extra);
        std::fs::write(&conf_path, text).expect("write postgresql.conf");

        for _attempt in 0..5 {
            let port = free_port();
            if let Some(child) = run_server(&dir, &data, port) {
                return Pg {
                    port,
                    dir,
                    pid: AtomicU32::new(child.id()),
                    child: Mutex::new(Some(child)),
                    next_db: AtomicU32::new(0),
                    owned_dir,
                };
            }
        }
        panic!("postgres could not find a free port in five attempts");
    }

    /// The folder holding the Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.dir
    }

    /// The superuser's URL for `db` over TCP, with its password.
    pub fn admin_url(&self, db: &str) -> String {
        format!("postgresql://postgres:{ADMIN_PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// A URL for `user`:`password` to `db` over TCP.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!("postgresql://{user}:{password}@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database (unique in this cluster) whose name starts with `prefix`.
    pub fn database(&self, prefix: &str) -> String {
        let n = self.next_db.fetch_add(1, Ordering::SeqCst);
        let name: String = format!("{prefix}_{}_{n}", std::process::id())
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// Run SQL as the superuser over the socket with psql; panics with psql's output on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = self.try_psql("postgres", db, sql);
        match out {
            Ok(text) => text,
            Err(e) => panic!("psql failed on {sql:?}: {e}"),
        }
    }

    /// Run SQL as `user` over the socket (no password: local trust) and return
    /// psql's output, or its error text.
    pub fn try_psql(&self, user: &str, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", user, "-d", db, "-c", sql])
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE")
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Stop the server now (fast shutdown, then kill) and wait for it.
    pub fn stop(&self) {
        stop_pid(self.pid.load(Ordering::SeqCst));
        if let Some(mut c) = self.child.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = c.wait();
        }
    }
}

impl Pg {
    /// Start the stopped server again on the same port and data, as an
    /// administrator restarting the lab's server would.
    pub fn restart(&self) {
        let child = run_server(&self.dir, &self.dir.join("data"), self.port)
            .unwrap_or_else(|| panic!("port {} was taken while the server was down", self.port));
        self.pid.store(child.id(), Ordering::SeqCst);
        *self.child.lock().unwrap_or_else(|p| p.into_inner()) = Some(child);
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
        if self.owned_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn chown_tree(p: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(gid)).expect("chown the cluster's folder");
    if p.is_dir() {
        for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
            chown_tree(&e.path(), uid, gid);
        }
    }
}

/// The postmaster writes `ready` as the last line of postmaster.pid once it accepts connections.
fn is_ready(data: &Path) -> bool {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .map(|t| t.lines().nth(7).is_some_and(|l| l.trim() == "ready"))
        .unwrap_or(false)
}

/// SIGINT (fast shutdown: disconnect everyone, stop cleanly), wait up to 30 s, then SIGKILL.
fn stop_pid(pid: u32) {
    let pid = pid as libc::pid_t;
    // SAFETY: plain signals to a process we started.
    unsafe {
        if libc::kill(pid, 0) != 0 {
            return;
        }
        libc::kill(pid, libc::SIGINT);
    }
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(30) {
        // SAFETY: as above; kill(pid, 0) only checks that it exists.
        let mut status = 0;
        let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if reaped == pid || unsafe { libc::kill(pid, 0) } != 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        libc::waitpid(pid, std::ptr::null_mut(), 0);
    }
}

/// Spawn `cmd` from a thread that lives as long as this process, with
/// PR_SET_PDEATHSIG = SIGINT: if the test binary dies without running its exit
/// hook (killed, aborted), the server still shuts itself down.
fn spawn_tied_to_this_process(mut cmd: Command) -> Child {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe; it runs in the child after the uid change.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(cmd.spawn());
        // The death signal follows the thread that spawned the child: keep it alive.
        loop {
            std::thread::park();
        }
    });
    rx.recv().expect("the spawning thread").expect("start postgres")
}

/// Stop the shared cluster and remove its folder when the test binary exits
/// (statics are never dropped; the test harness ends with `exit`, which runs these).
fn register_exit_hook(pid: u32, dir: PathBuf) {
    static TO_STOP: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());
    extern "C" fn at_exit() {
        let list = std::mem::take(&mut *TO_STOP.lock().unwrap_or_else(|p| p.into_inner()));
        for (pid, dir) in list {
            stop_pid(pid);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    let mut list = TO_STOP.lock().unwrap_or_else(|p| p.into_inner());
    if list.is_empty() {
        // SAFETY: registering a plain function.
        unsafe {
            libc::atexit(at_exit);
        }
    }
    list.push((pid, dir));
}

/// A database of a throwaway cluster with `lab init` run on it (roles named
/// after the database, so tests sharing a cluster never share roles), and
/// the URL of each role with its password (a throwaway cluster's).
pub struct Lab {
    pub db: String,
    pub init: talkdown::records::pg::LabInit,
    /// The superuser's URL for the database.
    pub admin: String,
    /// The station role's URL.
    pub station: String,
    /// The instructor role's URL.
    pub instructor: String,
}

impl Pg {
    /// A new database (name starting with `prefix`) made ready by `lab init`.
    pub fn lab(&self, prefix: &str) -> Lab {
        use talkdown::records::pg::{LabRoles, lab_init};
        let db = self.database(prefix);
        let admin = self.admin_url(&db);
        let init =
            lab_init(&admin, Some(LabRoles { station: format!("{db}_st"), instructor: format!("{db}_in") }))
                .expect("lab init");
        let station = self.url(&init.station.name, &init.station.password, &db);
        let instructor = self.url(&init.instructor.name, &init.instructor.password, &db);
        Lab { db, init, admin, station, instructor }
    }
}
