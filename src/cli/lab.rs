//! `talkdown lab init`: set up the lab's shared PostgreSQL server (docs/lab.md).
//! Flags and printing only; the work is [`crate::records::pg::lab_init`].

use std::io::Write;

use clap::Subcommand;

use super::{Error as CliError, Outcome};
use crate::records::pg::{LabRoles, lab_init};

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
}

pub fn run(cmd: LabCommand) -> Result<Outcome, CliError> {
    match cmd {
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
