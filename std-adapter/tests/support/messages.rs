//! Messages from re-executed child processes to their test: one line on stdout, after a
//! marker that tells them from the test harness's own output.

#![allow(dead_code, reason = "each test binary uses the part it needs")]

use std::io::Write as _;

/// Writes `message` as one marked line on stdout and flushes it (the parent waits for it).
pub fn say(mark: &str, message: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{mark}{message}").unwrap();
    out.flush().unwrap();
}

/// The message in `line`, if it carries `mark` (trimmed).
pub fn heard<'l>(line: &'l str, mark: &str) -> Option<&'l str> {
    let at = line.find(mark)?;
    Some(line[at + mark.len()..].trim())
}
