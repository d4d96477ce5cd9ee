//! Configuration from flags and environment variables.
//!
//! Each role declares its flags once, as a clap struct. Every flag also reads
//! an environment variable named after it with the role's prefix
//! (`--database-url` of the authorization server is `AS_DATABASE_URL`);
//! [`parse`] adds those names, so the structs stay free of repetition.

use std::ffi::OsString;
use std::process::ExitCode;

use std::future::Future;

use crate::server::{RunningServer, StartupError};

/// The names a role is known by on the command line and in the environment.
#[derive(Debug, Clone, Copy)]
pub struct Role {
    /// The binary's name, e.g. `authorization-server`.
    pub name: &'static str,
    /// The environment prefix, e.g. `AS_`.
    pub env_prefix: &'static str,
    /// The default `--addr`, e.g. `127.0.0.1:9001`.
    pub default_addr: &'static str,
    /// The default `--database-url`.
    pub default_database_url: &'static str,
}

/// The whole life of a serving binary: parse, log, build, announce, serve.
///
/// Prints `listening on URL` once the socket is bound, and returns exit
/// code 0 after a graceful stop, 2 for a configuration mistake, 1 otherwise.
pub async fn run<C, F, Fut>(role: Role, build: F) -> ExitCode
where
    C: clap::Parser,
    F: FnOnce(C) -> Fut,
    Fut: Future<Output = Result<RunningServer, StartupError>>,
{
    match parse::<C>(role) {
        Ok(config) => serve_until_stopped(role, build(config)).await,
        Err(exit) => exit,
    }
}

/// The serving half of [`run`], for a binary that has other things to do
/// with its parsed flags first (the authorization server's admin commands).
pub async fn serve_until_stopped<Fut>(role: Role, build: Fut) -> ExitCode
where
    Fut: Future<Output = Result<RunningServer, StartupError>>,
{
    crate::telemetry::init();
    let server = match build.await {
        Ok(server) => server,
        Err(error) => {
            let line = format!("error: {error}");
            let args: Vec<OsString> = std::env::args_os().collect();
            eprintln!("{line}{}", environment_hint(&line, role, &args));
            return ExitCode::from(error.exit_code());
        }
    };
    print(&format!("listening on {}\n", server.url()));
    match server.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the process's own arguments and environment.
///
/// `--help` and `--version` print and exit 0; anything wrong prints one line
/// naming the problem and exits 2.
pub fn parse<C: clap::Parser>(role: Role) -> Result<C, ExitCode> {
    parse_from(role, std::env::args_os())
}

/// [`parse`] over given arguments (the first is the program name).
pub fn parse_from<C, I, T>(role: Role, args: I) -> Result<C, ExitCode>
where
    C: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let command = with_env_names(C::command().name(role.name), role)
        .mut_args(|arg| with_role_default(arg, role));
    let parsed = command
        .try_get_matches_from(&args)
        .and_then(|matches| C::from_arg_matches(&matches));
    parsed.map_err(|error| report(&error, role, &args))
}

/// Gives every long flag (except help and version) an environment variable:
/// the prefix, then the flag upper-cased with `_` for `-`.
fn with_env_names(command: clap::Command, role: Role) -> clap::Command {
    command.mut_args(|arg| match arg.get_long() {
        Some("help" | "version") | None => arg,
        Some(long) => {
            let name = format!(
                "{}{}",
                role.env_prefix,
                long.to_uppercase().replace('-', "_")
            );
            // The values are not shown in --help: secrets and database
            // URLs with passwords come this way.
            arg.env(name).hide_env_values(true)
        }
    })
}

/// The shared `--addr` and `--database-url` take the role's own defaults.
fn with_role_default(arg: clap::Arg, role: Role) -> clap::Arg {
    match arg.get_long() {
        Some("addr") => arg.default_value(role.default_addr).required(false),
        Some("database-url") => arg.default_value(role.default_database_url).required(false),
        _ => arg,
    }
}

/// Help and version go to stdout with exit 0; errors become one line on
/// stderr with exit 2.
fn report(error: &clap::Error, role: Role, args: &[OsString]) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print(&error.to_string());
            ExitCode::SUCCESS
        }
        _ => {
            let line = one_line(&error.to_string());
            eprintln!("{line}{}", environment_hint(&line, role, args));
            ExitCode::from(2)
        }
    }
}

/// clap's report in one line: the error and what it adds (the valid values
/// of an enumerated flag, a tip), then where to read more.
/// Writes `text` to the standard output. A closed output (the reader of a
/// pipe gone, as in `… | head -1`) is no failure of ours: what could not be
/// written is dropped, where `print!` would panic.
pub fn print(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

fn one_line(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    if kept.is_empty() {
        return "error: invalid arguments (see --help)".to_owned();
    }
    format!("{} (see --help)", kept.join(" "))
}

/// When the flag the error names was not on the command line but its
/// environment variable is set, says so: that is where the value came from.
fn environment_hint(line: &str, role: Role, args: &[OsString]) -> String {
    let Some(flag) = line
        .split(|c: char| c.is_whitespace() || c == '\'')
        .find_map(|word| word.strip_prefix("--"))
        .and_then(|rest| rest.split(['=', '<']).next())
        .filter(|flag| !flag.is_empty())
    else {
        return String::new();
    };
    let on_command_line = args.iter().any(|arg| {
        let arg = arg.to_string_lossy();
        arg == format!("--{flag}") || arg.starts_with(&format!("--{flag}="))
    });
    let variable = format!(
        "{}{}",
        role.env_prefix,
        flag.to_uppercase().replace('-', "_")
    );
    if !on_command_line && std::env::var_os(&variable).is_some() {
        format!(" (the value comes from the environment variable {variable})")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[derive(clap::Parser, Debug)]
    struct Example {
        #[arg(long)]
        addr: String,
        #[arg(long)]
        insecure_http: bool,
    }

    const ROLE: Role = Role {
        name: "example",
        env_prefix: "EXAMPLE_",
        default_addr: "127.0.0.1:9999",
        default_database_url: "sqlite://data/example.db",
    };

    #[test]
    fn every_flag_gets_an_environment_variable_with_the_role_prefix() {
        let command = with_env_names(Example::command(), ROLE);
        let envs: Vec<String> = command
            .get_arguments()
            .filter_map(|arg| arg.get_env())
            .map(|name| name.to_string_lossy().into_owned())
            .collect();
        assert_eq!(envs, ["EXAMPLE_ADDR", "EXAMPLE_INSECURE_HTTP"]);
    }

    #[test]
    fn help_names_the_environment_variables_but_never_shows_their_values() {
        // Its own prefix: tests run in parallel, and others parse EXAMPLE_ADDR.
        let role = Role {
            env_prefix: "HELP_TEST_",
            ..ROLE
        };
        std::env::set_var("HELP_TEST_ADDR", "a-value-help-must-not-show");
        let help = with_env_names(Example::command(), role)
            .render_long_help()
            .to_string();
        std::env::remove_var("HELP_TEST_ADDR");
        assert!(help.contains("HELP_TEST_ADDR"), "{help}");
        assert!(!help.contains("a-value-help-must-not-show"), "{help}");
    }

    #[test]
    fn flags_parse_and_unknown_flags_are_refused() {
        let parsed = parse_from::<Example, _, _>(ROLE, ["example", "--addr", "127.0.0.1:0"]);
        assert_eq!(parsed.map(|c| c.addr).ok().as_deref(), Some("127.0.0.1:0"));
        let refused = parse_from::<Example, _, _>(ROLE, ["example", "--bogus"]);
        assert!(refused.is_err());
    }

    #[test]
    fn the_role_supplies_the_default_address() {
        let parsed = parse_from::<Example, _, _>(ROLE, ["example"]);
        assert_eq!(
            parsed.map(|c| c.addr).ok().as_deref(),
            Some("127.0.0.1:9999")
        );
    }

    #[test]
    fn the_error_report_is_one_line_with_the_valid_values() {
        assert_eq!(
            one_line("\nerror: bad\n\nUsage: x"),
            "error: bad (see --help)"
        );
        let clap_text = "error: invalid value 'nope' for '--format <FORMAT>'\n  [possible values: opaque, jwt]\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(clap_text),
            "error: invalid value 'nope' for '--format <FORMAT>' [possible values: opaque, jwt] (see --help)"
        );
    }

    #[test]
    fn an_error_about_a_flag_set_only_in_the_environment_names_the_variable() {
        let line = "error: invalid value 'nope' for '--example-mode <MODE>' (see --help)";
        let args = [OsString::from("example")];
        // A variable no other test sets.
        std::env::set_var("EXAMPLE_EXAMPLE_MODE", "nope");
        let hint = environment_hint(line, ROLE, &args);
        let given = environment_hint(line, ROLE, &[OsString::from("--example-mode=nope")]);
        std::env::remove_var("EXAMPLE_EXAMPLE_MODE");
        assert_eq!(
            hint,
            " (the value comes from the environment variable EXAMPLE_EXAMPLE_MODE)"
        );
        assert_eq!(given, "");
        assert_eq!(environment_hint(line, ROLE, &args), "");
        // Our own checks name the flag unquoted.
        std::env::set_var("EXAMPLE_EXAMPLE_PORT", "x");
        let ours = environment_hint("error: --example-port 'x' is not a port", ROLE, &args);
        std::env::remove_var("EXAMPLE_EXAMPLE_PORT");
        assert_eq!(
            ours,
            " (the value comes from the environment variable EXAMPLE_EXAMPLE_PORT)"
        );
    }
}
