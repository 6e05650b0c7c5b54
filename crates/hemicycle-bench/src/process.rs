//! What a process costs, read from Linux's `/proc`, and the open-file limit that
//! bounds how many connections a process may hold.

use std::path::PathBuf;

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {problem}")]
    Malformed { path: PathBuf, problem: String },
    #[error("the open-file limit: {operation} failed: {source}")]
    FileLimit {
        operation: &'static str,
        source: std::io::Error,
    },
}

/// CPU time and memory of one process at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProcessSample {
    /// User plus system CPU time since the process started.
    pub cpu_seconds: f64,
    /// The peak resident set size so far (`VmHWM`).
    pub peak_memory_kib: u64,
}

/// Which process to sample: ourselves, or another by its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    Current,
    Id(u32),
}

impl Process {
    fn directory(self) -> PathBuf {
        match self {
            Process::Current => PathBuf::from("/proc/self"),
            Process::Id(id) => PathBuf::from(format!("/proc/{id}")),
        }
    }

    /// Reads the process's CPU time and peak memory now.
    pub fn sample(self) -> Result<ProcessSample, ProcessError> {
        let directory = self.directory();
        let stat_path = directory.join("stat");
        let stat = read(&stat_path)?;
        let ticks = cpu_ticks(&stat).map_err(|problem| ProcessError::Malformed {
            path: stat_path,
            problem,
        })?;
        let status_path = directory.join("status");
        let status = read(&status_path)?;
        let peak_memory_kib =
            peak_memory_kib(&status).map_err(|problem| ProcessError::Malformed {
                path: status_path,
                problem,
            })?;
        Ok(ProcessSample {
            cpu_seconds: ticks as f64 / clock_ticks_per_second() as f64,
            peak_memory_kib,
        })
    }
}

fn read(path: &std::path::Path) -> Result<String, ProcessError> {
    std::fs::read_to_string(path).map_err(|source| ProcessError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    // Linux has used 100 everywhere for decades; fall back to it if asked oddly.
    u64::try_from(ticks)
        .ok()
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line, in clock ticks.
///
/// The command name (field 2) is in parentheses and may itself hold spaces and
/// parentheses, so the fields are counted from the last `)`.
pub fn cpu_ticks(stat: &str) -> Result<u64, String> {
    let after_name = stat
        .rfind(')')
        .map(|end| &stat[end + 1..])
        .ok_or_else(|| "no command name in parentheses".to_owned())?;
    // After the name come field 3 (state) onwards: utime is field 14, the 12th here.
    let mut fields = after_name.split_whitespace().skip(11);
    let mut next = |name: &str| -> Result<u64, String> {
        let text = fields
            .next()
            .ok_or_else(|| format!("the line ends before {name}"))?;
        text.parse()
            .map_err(|_| format!("{name} is \"{text}\", not a whole number"))
    };
    let user = next("utime")?;
    let system = next("stime")?;
    Ok(user + system)
}

/// The `VmHWM:` line of `/proc/PID/status`, in KiB.
pub fn peak_memory_kib(status: &str) -> Result<u64, String> {
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .ok_or_else(|| "no VmHWM line (is the process a zombie?)".to_owned())?;
    let number = line
        .trim()
        .strip_suffix("kB")
        .ok_or_else(|| format!("VmHWM is \"{}\", not in kB", line.trim()))?;
    number
        .trim()
        .parse()
        .map_err(|_| format!("VmHWM is \"{}\", not a whole number of kB", line.trim()))
}

/// The open-file limit before and after raising it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileLimit {
    pub before: u64,
    pub now: u64,
    /// The hard limit: as far as an unprivileged process may raise it.
    pub hard: u64,
}

const FILE_LIMIT_WHEN_UNLIMITED: u64 = 1 << 20;

/// Raises this process's soft limit on open files to its hard limit. Children
/// started afterwards inherit the raised limit.
pub fn raise_file_limit() -> Result<FileLimit, ProcessError> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the structure we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(ProcessError::FileLimit {
            operation: "getrlimit",
            source: std::io::Error::last_os_error(),
        });
    }
    let before = limit.rlim_cur;
    // An unlimited hard limit still cannot pass the kernel's `fs.nr_open`, whose
    // default this is.
    let target = limit.rlim_max.min(FILE_LIMIT_WHEN_UNLIMITED);
    if limit.rlim_cur < target {
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads one rlimit from a structure we own.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(ProcessError::FileLimit {
                operation: "setrlimit",
                source: std::io::Error::last_os_error(),
            });
        }
        limit = raised;
    }
    Ok(FileLimit {
        before,
        now: limit.rlim_cur,
        hard: limit.rlim_max,
    })
}

/// Asks process `id` to stop (SIGTERM), as Ctrl-C would, so that it shuts down
/// cleanly. Only for a process this program started.
pub fn terminate(id: u32) -> std::io::Result<()> {
    let id = libc::pid_t::try_from(id).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("process id {id} is out of range"),
        )
    })?;
    // A pid of 0 or below would signal a whole group.
    assert!(id > 0, "terminate: process id {id}");
    // SAFETY: kill takes plain integers and touches no memory of ours.
    if unsafe { libc::kill(id, libc::SIGTERM) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_the_command_name() {
        // A name with spaces and a parenthesis, as a process may choose.
        let stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1500 0 0 0 \
                    250 75 0 0 20 0 3 0 12345 1000000 500 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Ok(325));
    }

    #[test]
    fn a_short_or_garbled_stat_line_is_an_error_naming_the_field() {
        assert_eq!(
            cpu_ticks("1 (x) S 1 2 3"),
            Err("the line ends before utime".to_owned())
        );
        let error = cpu_ticks("1 (x) S 1 2 3 4 5 6 7 8 9 10 ten 5").unwrap_err();
        assert!(error.contains("utime is \"ten\""), "{error}");
        assert!(cpu_ticks("no name here").is_err());
    }

    #[test]
    fn peak_memory_is_read_from_vmhwm() {
        let status =
            "Name:\themicycle\nVmPeak:\t  900000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t 40000 kB\n";
        assert_eq!(peak_memory_kib(status), Ok(51_234));
        assert!(peak_memory_kib("Name:\tzombie\n").is_err());
        assert!(peak_memory_kib("VmHWM:\t 12 MB\n").is_err());
    }

    #[test]
    fn this_process_can_be_sampled() {
        let sample = Process::Current.sample().expect("/proc/self is readable");
        assert!(sample.peak_memory_kib > 0, "{sample:?}");
        assert!(sample.cpu_seconds >= 0.0, "{sample:?}");
    }

    #[test]
    fn the_file_limit_is_raised_to_the_hard_limit() {
        let limit = raise_file_limit().expect("the limit can be read and raised");
        assert_eq!(limit.now, limit.hard.min(FILE_LIMIT_WHEN_UNLIMITED));
        assert!(limit.before <= limit.now);
    }
}
