//! gspnpd: the standalone host of the gspnp library. It answers Grandstream phones'
//! Plug and Play SUBSCRIBEs, serves each phone its config file over HTTP/HTTPS, decodes
//! and renders for inspection, and simulates phones to test any PnP server.

mod admin;
mod base64;
mod cli;
mod config;
mod daemon;
mod decode;
mod help;
mod http;
mod log;
mod render;
mod simulate;
mod store;

use std::process::ExitCode;

use cli::Command;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("gspnpd: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("gspnpd {} (gspnp {})", env!("CARGO_PKG_VERSION"), gspnp::VERSION);
            ExitCode::SUCCESS
        }
        Command::Run(options) => finish(daemon::run(&options)),
        Command::Decode(options) => match decode::run(&options, &mut std::io::stdout().lock()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(error) => finish(Err(format!("cannot write: {error}"))),
        },
        Command::Render(options) => {
            finish(render::run(&options, &mut std::io::stdout().lock(), &mut std::io::stderr().lock()))
        }
        Command::HashPassword => finish(hash_password()),
        Command::Resync(options) => match admin::resync_command::run(&options, &mut std::io::stdout().lock()) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(error) => finish(Err(error)),
        },
        Command::Simulate(options) => match simulate::run(&options, &mut std::io::stdout().lock()) {
            Ok(summary) if summary.succeeded() => ExitCode::SUCCESS,
            Ok(_) => ExitCode::FAILURE,
            Err(error) => finish(Err(error)),
        },
    }
}

/// `gspnpd hash-password`: the first line of standard input (the password, never
/// echoed by gspnpd) hashed with Argon2id, printed for `[admin] password_hash`.
fn hash_password() -> Result<(), String> {
    let hint = "try: gspnpd hash-password < file, or type it and press Enter";
    let password = admin::resync_command::password_line(&mut std::io::stdin().lock(), hint)?;
    println!("{}", admin::auth::hash_password(&password)?);
    Ok(())
}

/// Exit status 0, or 1 after printing the error.
fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gspnpd: {error}");
            ExitCode::FAILURE
        }
    }
}
