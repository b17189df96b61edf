//! The command line: subcommands, their options, and `--help`/`--version`.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use gspnp::provision::Format;
use gspnp::Mac;
use lexopt::{Arg, Parser, ValueExt};

use crate::admin::resync_command::ResyncOptions;
use crate::help;
use crate::simulate::options::{Options as SimulateOptions, MOST_PHONES};

/// How long `gspnpd resync` waits for the outcome by default: above the library's
/// 32 s NOTIFY transaction timeout, so that an unanswered phone is reported as such.
const DEFAULT_RESYNC_WAIT: Duration = Duration::from_secs(40);

/// `gspnpd run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// The config file.
    pub config: PathBuf,
}

/// `gspnpd decode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// One datagram per file.
    pub files: Vec<PathBuf>,
    /// Where the datagrams are taken to come from.
    pub source: SocketAddrV4,
}

/// `gspnpd render`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The config file.
    pub config: PathBuf,
    /// The phone.
    pub mac: Mac,
    /// The format, over the config's.
    pub format: Option<Format>,
    /// The model, over the config's.
    pub model: Option<String>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run the daemon.
    Run(RunOptions),
    /// Decode datagrams.
    Decode(DecodeOptions),
    /// Print a phone's file.
    Render(RenderOptions),
    /// Simulate phones.
    Simulate(Box<SimulateOptions>),
    /// Ask the running daemon to re-provision a phone.
    Resync(ResyncOptions),
    /// Read a password on standard input, print its Argon2 hash for `[admin] password_hash`.
    HashPassword,
    /// Print this help text.
    Help(&'static str),
    /// Print the version.
    Version,
}

/// A command line that cannot be followed; the message says why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<lexopt::Error> for UsageError {
    fn from(error: lexopt::Error) -> Self {
        UsageError(error.to_string())
    }
}

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let mut parser = Parser::from_args(args);
    match parser.next()? {
        None => Err(UsageError("no command given (try gspnpd --help)".into())),
        Some(Arg::Short('h') | Arg::Long("help")) => Ok(Command::Help(help::MAIN)),
        Some(Arg::Short('V') | Arg::Long("version")) => Ok(Command::Version),
        Some(Arg::Value(name)) => match name.string()?.as_str() {
            "run" => parse_run(&mut parser),
            "decode" => parse_decode(&mut parser),
            "render" => parse_render(&mut parser),
            "simulate" => parse_simulate(&mut parser),
            "hash-password" => match parser.next()? {
                None => Ok(Command::HashPassword),
                Some(other) => Err(other.unexpected().into()),
            },
            "resync" => parse_resync(&mut parser),
            "help" => parse_help(&mut parser),
            other => Err(UsageError(format!("unknown command {other:?} (try gspnpd --help)"))),
        },
        Some(other) => Err(other.unexpected().into()),
    }
}

fn parse_help(parser: &mut Parser) -> Result<Command, UsageError> {
    let text = match parser.next()? {
        None => help::MAIN,
        Some(Arg::Value(name)) => help_of(&name.string()?)?,
        Some(other) => return Err(other.unexpected().into()),
    };
    Ok(Command::Help(text))
}

/// The help text of a command.
fn help_of(command: &str) -> Result<&'static str, UsageError> {
    match command {
        "run" => Ok(help::RUN),
        "decode" => Ok(help::DECODE),
        "render" => Ok(help::RENDER),
        "simulate" => Ok(help::SIMULATE),
        "resync" => Ok(help::RESYNC),
        "help" => Ok(help::MAIN),
        other => Err(UsageError(format!("unknown command {other:?} (try gspnpd --help)"))),
    }
}

/// Parses an option's value with `FromStr`, naming the option on failure.
fn value<T: FromStr>(parser: &mut Parser, option: &str) -> Result<T, UsageError> {
    let text = parser.value()?.string()?;
    text.parse().map_err(|_| UsageError(format!("{option}: cannot use {text:?}")))
}

/// A required option that was not given.
fn missing(option: &str, help_name: &str) -> UsageError {
    UsageError(format!("{option} is required (see gspnpd {help_name} --help)"))
}

fn parse_run(parser: &mut Parser) -> Result<Command, UsageError> {
    let mut config = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Arg::Short('c') | Arg::Long("config") => config = Some(parser.value()?.into()),
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(help::RUN)),
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Command::Run(RunOptions { config: config.ok_or_else(|| missing("--config", "run"))? }))
}

fn parse_decode(parser: &mut Parser) -> Result<Command, UsageError> {
    let mut options = DecodeOptions { files: Vec::new(), source: SocketAddrV4::new(0.into(), 0) };
    while let Some(arg) = parser.next()? {
        match arg {
            Arg::Short('s') | Arg::Long("source") => options.source = value(parser, "--source")?,
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(help::DECODE)),
            Arg::Value(file) => options.files.push(file.into()),
            other => return Err(other.unexpected().into()),
        }
    }
    if options.files.is_empty() {
        return Err(UsageError("give at least one FILE (see gspnpd decode --help)".into()));
    }
    Ok(Command::Decode(options))
}

fn parse_render(parser: &mut Parser) -> Result<Command, UsageError> {
    let (mut config, mut mac, mut format, mut model) = (None, None, None, None);
    while let Some(arg) = parser.next()? {
        match arg {
            Arg::Short('c') | Arg::Long("config") => config = Some(parser.value()?.into()),
            Arg::Short('m') | Arg::Long("mac") => mac = Some(value::<Mac>(parser, "--mac")?),
            Arg::Short('f') | Arg::Long("format") => format = Some(parse_format(&parser.value()?.string()?)?),
            Arg::Long("model") => model = Some(parser.value()?.string()?),
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(help::RENDER)),
            other => return Err(other.unexpected().into()),
        }
    }
    Ok(Command::Render(RenderOptions {
        config: config.ok_or_else(|| missing("--config", "render"))?,
        mac: mac.ok_or_else(|| missing("--mac", "render"))?,
        format,
        model,
    }))
}

fn parse_resync(parser: &mut Parser) -> Result<Command, UsageError> {
    let (mut config, mut mac, mut reboot, mut timeout) = (None, None, false, DEFAULT_RESYNC_WAIT);
    while let Some(arg) = parser.next()? {
        match arg {
            Arg::Short('c') | Arg::Long("config") => config = Some(parser.value()?.into()),
            Arg::Long("reboot") => reboot = true,
            Arg::Long("timeout") => timeout = seconds(parser, "--timeout")?,
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(help::RESYNC)),
            Arg::Value(text) if mac.is_none() => {
                let text = text.string()?;
                mac = Some(text.parse::<Mac>().map_err(|_| UsageError(format!("MAC: cannot use {text:?}")))?);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    if timeout.is_zero() {
        return Err(UsageError("--timeout: more than 0 seconds".into()));
    }
    Ok(Command::Resync(ResyncOptions {
        config: config.ok_or_else(|| missing("--config", "resync"))?,
        mac: mac.ok_or_else(|| UsageError("give the phone's MAC (see gspnpd resync --help)".into()))?,
        reboot,
        timeout,
    }))
}

fn parse_format(text: &str) -> Result<Format, UsageError> {
    match text {
        "v1" | "1" => Ok(Format::V1),
        "v2" | "2" => Ok(Format::V2),
        other => Err(UsageError(format!("--format: {other:?} is not v1 or v2"))),
    }
}

fn parse_simulate(parser: &mut Parser) -> Result<Command, UsageError> {
    let mut options = SimulateOptions::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Arg::Short('n') | Arg::Long("phones") => options.phones = value(parser, "--phones")?,
            Arg::Short('t') | Arg::Long("target") => options.target = value(parser, "--target")?,
            Arg::Short('i') | Arg::Long("interface") => options.interface = Some(parser.value()?.string()?),
            Arg::Long("loss") => options.loss = value(parser, "--loss")?,
            Arg::Long("seed") => options.seed = value(parser, "--seed")?,
            Arg::Long("mac-base") => options.mac_base = value(parser, "--mac-base")?,
            Arg::Long("model") => options.model = parser.value()?.string()?,
            Arg::Long("firmware") => options.firmware = parser.value()?.string()?,
            Arg::Long("interval") => options.interval = Duration::from_millis(value(parser, "--interval")?),
            Arg::Long("attempts") => options.attempts = value(parser, "--attempts")?,
            Arg::Long("notify-wait") => options.notify_wait = seconds(parser, "--notify-wait")?,
            Arg::Long("timeout") => options.timeout = seconds(parser, "--timeout")?,
            Arg::Long("ramp") => options.ramp = seconds(parser, "--ramp")?,
            Arg::Long("fetchers") => options.fetchers = value(parser, "--fetchers")?,
            Arg::Long("sockets") => options.sockets = value(parser, "--sockets")?,
            Arg::Long("window") => options.window = value(parser, "--window")?,
            Arg::Long("until") => options.until = value(parser, "--until")?,
            Arg::Long("http-auth") => options.http_auth = Some(credentials(&parser.value()?.string()?)?),
            Arg::Long("ca") => options.ca = Some(parser.value()?.into()),
            Arg::Long("insecure") => options.insecure = true,
            Arg::Long("json") => options.json = true,
            Arg::Long("stay") => options.stay = seconds(parser, "--stay")?,
            Arg::Long("register") => options.register = true,
            Arg::Long("auth-algorithm") => options.auth_algorithm = value(parser, "--auth-algorithm")?,
            Arg::Long("auth-qop") => options.auth_qop = value(parser, "--auth-qop")?,
            Arg::Short('h') | Arg::Long("help") => return Ok(Command::Help(help::SIMULATE)),
            other => return Err(other.unexpected().into()),
        }
    }
    check_simulate(&options)?;
    Ok(Command::Simulate(Box::new(options)))
}

/// Seconds, fractions allowed.
fn seconds(parser: &mut Parser, option: &str) -> Result<Duration, UsageError> {
    let seconds: f64 = value(parser, option)?;
    Duration::try_from_secs_f64(seconds).map_err(|_| UsageError(format!("{option}: {seconds} is not a duration")))
}

/// `USER:PASSWORD`.
fn credentials(text: &str) -> Result<(String, String), UsageError> {
    let (user, password) =
        text.split_once(':').ok_or_else(|| UsageError("--http-auth: want USER:PASSWORD".to_owned()))?;
    Ok((user.to_owned(), password.to_owned()))
}

fn check_simulate(options: &SimulateOptions) -> Result<(), UsageError> {
    let refuse = |text: String| Err(UsageError(text));
    if options.phones == 0 || options.phones > MOST_PHONES {
        return refuse(format!("--phones: between 1 and {MOST_PHONES}"));
    }
    if !(0.0..=1.0).contains(&options.loss) {
        return refuse("--loss: a rate from 0 to 1".to_owned());
    }
    if options.attempts == 0 || options.attempts > 100 {
        return refuse("--attempts: between 1 and 100".to_owned());
    }
    if options.fetchers == 0 || options.fetchers > 256 {
        return refuse("--fetchers: between 1 and 256".to_owned());
    }
    if options.sockets > 65_536 {
        return refuse("--sockets: at most 65536".to_owned());
    }
    if options.window > 0 && !options.ramp.is_zero() {
        return refuse("--window and --ramp: give one (a window boots phones as others end)".to_owned());
    }
    if options.timeout.is_zero() {
        return refuse("--timeout: more than 0 seconds".to_owned());
    }
    if (!options.stay.is_zero() || options.register) && options.until != crate::simulate::options::Until::File {
        return refuse("--stay and --register: only with --until file (phones that fetch their file)".to_owned());
    }
    if crate::simulate::options::nth_mac(options.mac_base, options.phones - 1).is_none() {
        return refuse("--mac-base: the phones' MACs would run past ff:ff:ff:ff:ff:ff".to_owned());
    }
    if options.model.is_empty() || !options.model.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return refuse("--model: letters, digits and '-' only".to_owned());
    }
    if options.firmware.is_empty() || !options.firmware.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return refuse("--firmware: letters, digits and '.' only".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_line(line: &str) -> Result<Command, UsageError> {
        parse(line.split_whitespace())
    }

    #[test]
    fn every_command_parses_its_options() {
        assert!(matches!(parse_line("run --config a.toml"), Ok(Command::Run(o)) if o.config == Path::new("a.toml")));
        let Ok(Command::Decode(decode)) = parse_line("decode --source 192.0.2.2:5080 a.sip b.sip") else { panic!() };
        assert_eq!((decode.files.len(), decode.source.port()), (2, 5080));
        let Ok(Command::Render(render)) = parse_line("render -c a.toml --mac 00:0b:82:f5:52:84 --format v2") else {
            panic!()
        };
        assert_eq!((render.mac.to_string(), render.format), ("000b82f55284".to_owned(), Some(Format::V2)));
        let Ok(Command::Simulate(simulate)) =
            parse_line("simulate --phones 200 --target 192.0.2.1:5060 --loss 0.2 --seed 7 --json --timeout 1.5")
        else {
            panic!()
        };
        assert_eq!((simulate.phones, simulate.seed, simulate.json), (200, 7, true));
        assert_eq!(simulate.timeout, Duration::from_millis(1500));
        let Ok(Command::Simulate(staying)) =
            parse_line("simulate --stay 30 --register --auth-algorithm sha-256 --auth-qop none")
        else {
            panic!()
        };
        assert_eq!((staying.stay, staying.register), (Duration::from_secs(30), true));
        assert_eq!(
            (staying.auth_algorithm, staying.auth_qop),
            (crate::simulate::options::Algorithm::Sha256, crate::simulate::options::Qop::None)
        );
    }

    #[test]
    fn help_and_version_are_recognised_everywhere() {
        assert!(matches!(parse_line("--help"), Ok(Command::Help(help::MAIN))));
        assert!(matches!(parse_line("--version"), Ok(Command::Version)));
        assert!(matches!(parse_line("simulate --help"), Ok(Command::Help(help::SIMULATE))));
        assert!(matches!(parse_line("help render"), Ok(Command::Help(help::RENDER))));
    }

    #[test]
    fn mistakes_are_explained() {
        for (line, expected) in [
            ("", "no command"),
            ("launch", "unknown command"),
            ("run", "--config is required"),
            ("render --config a.toml", "--mac is required"),
            ("render --config a.toml --mac 12", "--mac: cannot use \"12\""),
            ("decode", "at least one FILE"),
            ("simulate --loss 2", "--loss"),
            ("simulate --phones 0", "--phones"),
            ("simulate --mac-base ffffffffffff --phones 2", "--mac-base"),
            ("simulate --auth-algorithm sha-512", "--auth-algorithm: cannot use \"sha-512\""),
            ("simulate --auth-qop auth-int", "--auth-qop"),
            ("simulate --stay -1", "--stay"),
            ("simulate --stay 5 --until notify", "only with --until file"),
            ("run --config a.toml --verbose", "--verbose"),
            ("resync 000b82f55284", "--config is required"),
            ("resync --config a.toml", "give the phone's MAC"),
            ("resync --config a.toml 12", "MAC: cannot use \"12\""),
            ("resync --config a.toml 000b82f55284 000b82f55285", "000b82f55285"),
            ("resync --config a.toml 000b82f55284 --timeout 0", "--timeout"),
        ] {
            let error = parse_line(line).unwrap_err().0;
            assert!(error.contains(expected), "{line}: {error}");
        }
    }
}
