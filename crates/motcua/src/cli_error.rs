//! Errors at the command line: one clear line on standard error and a non-zero exit.

use std::fmt;
use std::process::ExitCode;

use clap::error::ErrorKind;

/// Exit status for input the command refuses (bad arguments, bad files).
const BAD_INPUT: u8 = 2;

/// Input the command refuses, with the one line that says why.
#[derive(Debug)]
pub struct InputError(String);

impl InputError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    pub fn from_display(e: impl fmt::Display) -> Self {
        Self(e.to_string())
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn exit_with(e: &InputError) -> ExitCode {
    eprintln!("error: {}", one_line(&e.0));
    ExitCode::from(BAD_INPUT)
}

/// Help and version go to standard output as clap renders them; every other parse error
/// becomes one line.
pub fn clap_exit(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(BAD_INPUT)
        }
        _ => {
            eprintln!("error: {}", one_line(&e.render().to_string()));
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Joins a multi-line message into one line, dropping clap's usage and hint lines.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_messages_become_one_line() {
        let text = "error: invalid value 'x' for '--unit <UNIT>': unknown\n  [possible values: a, b]\n\nUsage: motcua deadline --unit <UNIT>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(text),
            "invalid value 'x' for '--unit <UNIT>': unknown [possible values: a, b]"
        );
    }
}
