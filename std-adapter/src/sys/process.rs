//! Who this process is, for the row log's owner slots: the machine's boot id, this process's
//! start time and its pid namespace (Linux `/proc`; elsewhere unknown).
//!
//! None of these decides liveness (the OFD locks of `ofd.rs` do): the boot id tells a process
//! crash from a machine crash at session start, and pid, start time and namespace only *name*
//! a slot's owner in errors, so a human can tell a reused pid apart.

/// The identity of this process as a slot records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Me {
    /// The process id.
    pub(crate) pid: u32,
    /// Start time in clock ticks since boot (`/proc/self/stat` field 22); 0 if unknown.
    pub(crate) start_ticks: u64,
    /// The inode of this process's pid namespace (`/proc/self/ns/pid`); 0 if unknown.
    pub(crate) pid_ns: u64,
}

impl Me {
    /// This process, read now (after a `fork`, the child's own values).
    pub(crate) fn now() -> Self {
        Self {
            pid: std::process::id(),
            start_ticks: start_ticks().unwrap_or(0),
            pid_ns: pid_namespace().unwrap_or(0),
        }
    }
}

/// The random id the kernel draws at each boot (`/proc/sys/kernel/random/boot_id`), as 128
/// bits; `None` where it cannot be read (not Linux, no `/proc`). Never 0.
pub(crate) fn boot_id() -> Option<u128> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    let text = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    parse_boot_id(&text)
}

/// `8-4-4-4-12` hex digits (a UUID, as the kernel prints the boot id) to 128 bits.
fn parse_boot_id(text: &str) -> Option<u128> {
    let digits: String = text.trim().chars().filter(|&c| c != '-').collect();
    if digits.len() != 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(&digits, 16).ok().filter(|&id| id != 0)
}

/// This process's start time in clock ticks after boot: field 22 (`starttime`) of
/// `/proc/self/stat`.
fn start_ticks() -> Option<u64> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    parse_start_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

/// Field 22 of a `/proc/<pid>/stat` line. Field 2 (`comm`) is the executable's name in
/// parentheses and may itself hold spaces and parentheses, so the fields are counted from
/// the *last* `)`: field 3 (`state`) follows it, field 22 is the 20th after it.
fn parse_start_ticks(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_ascii_whitespace().nth(22 - 3)?.parse().ok()
}

/// The inode number of this process's pid namespace (`/proc/self/ns/pid`).
fn pid_namespace() -> Option<u64> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self/ns/pid").ok().map(|m| m.ino())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_ids_parse_as_uuids_and_nothing_else_does() {
        assert_eq!(
            parse_boot_id("9be10769-89e4-47a1-9e59-c34ca87750dc\n"),
            Some(0x9be1_0769_89e4_47a1_9e59_c34c_a877_50dc)
        );
        assert_eq!(parse_boot_id("9be10769-89e4-47a1-9e59-c34ca87750d"), None);
        assert_eq!(parse_boot_id("9be10769-89e4-47a1-9e59-c34ca87750dg"), None);
        assert_eq!(parse_boot_id("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(parse_boot_id(""), None);
    }

    #[test]
    fn start_time_is_counted_from_the_last_parenthesis() {
        let fields: Vec<String> = (3..=52).map(|i| i.to_string()).collect();
        let tail = fields.join(" ");
        // comm with spaces and parentheses, as a program may name itself.
        let line = format!("4242 (a) b (c) d) {tail}\n");
        assert_eq!(parse_start_ticks(&line), Some(22));
        assert_eq!(parse_start_ticks("4242 (x) S 1 2"), None);
        assert_eq!(parse_start_ticks("no parenthesis"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_boot_id_a_start_time_and_a_namespace() {
        let me = Me::now();
        assert_eq!(me.pid, std::process::id());
        assert!(me.start_ticks > 0, "{me:?}");
        assert!(me.pid_ns > 0, "{me:?}");
        let id = boot_id().expect("Linux has /proc/sys/kernel/random/boot_id");
        assert_eq!(boot_id(), Some(id), "the same boot");
        // Independent reference: the start time agrees with the `ps`-style field split of
        // /proc/self/stat when comm has no spaces (the test binary's name has none).
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let naive: u64 = stat.split(' ').nth(21).unwrap().parse().unwrap();
        assert_eq!(me.start_ticks, naive);
    }
}
