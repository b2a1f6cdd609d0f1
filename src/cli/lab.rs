//! `talkdown lab`: set up the lab's shared PostgreSQL server and run a class
//! on it (docs/lab.md). Flags and printing only; the work is in
//! [`crate::records::pg`].

use std::io::Write;
use std::path::Path;

use clap::Subcommand;

use super::{Error as CliError, Outcome};
use crate::records::pg::{self, LabRoles, lab_init};

#[derive(Debug, Subcommand)]
pub enum LabCommand {
    /// Create (or upgrade) the Talkdown tables in a PostgreSQL database and the
    /// station and instructor roles, with new passwords, and print how each
    /// connects. Run it again to upgrade the schema or renew both passwords.
    Init {
        /// The database owner's (or a superuser's) URL, e.g.
        /// postgresql://talkdown_admin@db.academy.lan/talkdown?sslmode=verify-full&sslrootcert=/etc/talkdown/ca.crt
        /// Keep its password in ~/.pgpass (or PGPASSFILE), not here: a command
        /// line is visible to other users in the process list.
        #[arg(long, env = "TALKDOWN_LAB_ADMIN")]
        admin: String,
        /// The stations' role (default: DATABASE_station).
        #[arg(long)]
        station_role: Option<String>,
        /// The instructors' role (default: DATABASE_instructor).
        #[arg(long)]
        instructor_role: Option<String>,
    },
    /// Set the class (cohort) of the sessions stations start from now on
    /// (those not given their own --class), or without NAME show it. Needs the
    /// instructor's URL as --records / TALKDOWN_RECORDS; kept with who set it
    /// and when.
    Class {
        /// The class name, e.g. CIT-2026-03.
        #[arg(value_parser = super::parse_class)]
        name: Option<String>,
    },
}

/// The lab server's URL from --records / TALKDOWN_RECORDS, or a usage error.
fn server_url(records: Option<&Path>, what: &str) -> Result<String, CliError> {
    match records.and_then(|p| p.to_str()) {
        Some(u) if pg::is_url(Path::new(u)) => Ok(u.to_string()),
        _ => Err(CliError::Usage(format!(
            "{what} works on the lab server only: pass the instructor's postgresql:// URL as --records or \
             TALKDOWN_RECORDS (docs/lab.md)"
        ))),
    }
}

pub fn run(cmd: LabCommand, records: Option<&Path>) -> Result<Outcome, CliError> {
    match cmd {
        LabCommand::Class { name } => {
            let url = server_url(records, "`talkdown lab class`")?;
            let mut o = std::io::stdout().lock();
            match name {
                Some(n) => {
                    pg::set_room_class(&url, &n)?;
                    let _ = writeln!(
                        o,
                        "The room's class is now {}: sessions started from now on without --class belong to it.",
                        crate::text::printable(&n)
                    );
                }
                None => match pg::room_class(&url)? {
                    Some((class, by, at)) => {
                        let _ = writeln!(
                            o,
                            "The room's class is {} (set by {} at {}).",
                            crate::text::printable(&class),
                            crate::text::printable(&by),
                            at
                        );
                    }
                    None => {
                        let _ =
                            writeln!(o, "No class has been set for the room (`talkdown lab class NAME`).");
                    }
                },
            }
            Ok(Outcome::Clean)
        }
        LabCommand::Init { admin, station_role, instructor_role } => {
            let roles = match (station_role, instructor_role) {
                (None, None) => None,
                (s, i) => {
                    let db = admin_database(&admin);
                    Some(LabRoles {
                        station: s.unwrap_or_else(|| format!("{db}_station")),
                        instructor: i.unwrap_or_else(|| format!("{db}_instructor")),
                    })
                }
            };
            let r = lab_init(&admin, roles)?;
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "Talkdown schema version {} is ready on {}.", r.schema_version, r.server);
            for (what, role) in [("Stations", &r.station), ("Instructors", &r.instructor)] {
                let made = if role.renewed { "existed; its password is renewed" } else { "created" };
                let _ = writeln!(o, "\n{what}: role {} ({made})", role.name);
                let _ = writeln!(o, "  TALKDOWN_RECORDS={}", role.url);
                let _ = writeln!(o, "  ~/.pgpass line (chmod 0600): {}", role.pgpass_line);
            }
            let _ = writeln!(
                o,
                "\nThe passwords are shown only here: put each .pgpass line on the machines that use that role \
                 (stations, the instructor's PC), never in a URL on a command line. Purging old sessions \
                 (`talkdown records purge`) needs the owner's URL."
            );
            Ok(Outcome::Clean)
        }
    }
}

/// The database named in a URL (for the default role names), else `talkdown`.
fn admin_database(url: &str) -> String {
    let after = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = after.split_once('/').map(|(_, p)| p).unwrap_or("");
    let db = path.split(['?', '#']).next().unwrap_or("");
    if db.is_empty() { "talkdown".to_string() } else { db.to_string() }
}
