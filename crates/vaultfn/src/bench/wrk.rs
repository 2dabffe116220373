//! The load generator: `wrk` (Debian's package), the same one for the baseline and the handler.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// One wrk run's numbers.
#[derive(Debug, Clone, Default)]
pub struct Load {
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub requests: u64,
    /// Non-2xx/3xx answers plus connect, read, write and timeout errors.
    pub errors: u64,
}

/// What to run when wrk is missing.
pub const INSTALL_HINT: &str = "wrk is not installed: `sudo apt-get install wrk` (Debian/Ubuntu), `brew install wrk` (macOS), or run scripts/install-tools as root";

/// wrk's version line, or why it cannot run. In a checkout, a missing wrk is installed with
/// `scripts/install-tools` first, so the bench runs from a fresh clone.
pub fn version() -> Result<String, String> {
    // `wrk --version` prints its banner and exits 1; what matters is that it ran.
    let probe = || Command::new("wrk").arg("--version").output();
    let out = match probe() {
        Ok(out) => out,
        Err(_) if Path::new("scripts/install-tools").is_file() => {
            eprintln!("bench: wrk is missing; running scripts/install-tools");
            let _ = Command::new("scripts/install-tools").status();
            probe().map_err(|_| INSTALL_HINT.to_owned())?
        }
        Err(_) => return Err(INSTALL_HINT.to_owned()),
    };
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok(text.lines().next().unwrap_or("wrk").split(" Copyright").next().unwrap_or("wrk").trim().to_owned())
}

/// Loads `url` (optionally through a request script) with `connections` for `duration`.
pub fn run(url: &str, script: Option<&Path>, connections: u32, duration: Duration) -> Result<Load, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["--latency", "-t", "2", "-c", &connections.to_string(), "-d", &format!("{}s", duration.as_secs())]);
    // Longer than any answer under test; a slower answer counts as an error.
    cmd.args(["--timeout", "5s"]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd.arg(url).output().map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("wrk failed: {}{}", text, String::from_utf8_lossy(&out.stderr)));
    }
    parse(&text).ok_or_else(|| format!("unreadable wrk output:\n{text}"))
}

/// A Lua script that cycles through `paths`, one per request.
pub fn script(dir: &Path, name: &str, paths: &[String]) -> std::io::Result<std::path::PathBuf> {
    let list: Vec<String> = paths.iter().map(|p| format!("{p:?}")).collect();
    let lua = format!(
        "local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
        list.join(", ")
    );
    let path = dir.join(format!("{name}.lua"));
    std::fs::write(&path, lua)?;
    Ok(path)
}

pub fn parse(text: &str) -> Option<Load> {
    let mut load = Load::default();
    let mut seen_rps = false;
    for line in text.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("50%"), Some(t)) => load.p50_us = micros(t)?,
            (Some("99%"), Some(t)) => load.p99_us = micros(t)?,
            (Some("Requests/sec:"), Some(n)) => {
                load.rps = n.parse().ok()?;
                seen_rps = true;
            }
            (Some(n), Some("requests")) => load.requests = n.parse().ok()?,
            (Some("Non-2xx"), _) => load.errors += line.rsplit(' ').next()?.parse::<u64>().ok()?,
            (Some("Socket"), Some("errors:")) => {
                for part in line.trim_start_matches("Socket errors:").split(',') {
                    load.errors += part.split_whitespace().nth(1)?.parse::<u64>().ok()?;
                }
            }
            _ => {}
        }
    }
    seen_rps.then_some(load)
}

/// `123.45us`, `1.23ms`, `2.00s`, `1.00m` in microseconds.
fn micros(t: &str) -> Option<f64> {
    let split = t.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = t.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n,
        "ms" => n * 1e3,
        "s" => n * 1e6,
        "m" => n * 60e6,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 32 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency   257.39us  100.00us   5.00ms   90.00%\n  Latency Distribution\n     50%  200.00us\n     75%  300.00us\n     90%  400.00us\n     99%    1.23ms\n  123456 requests in 5.00s, 10.00MB read\n  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 5\nRequests/sec:  24691.20\nTransfer/sec:      2.00MB\n";
        let load = parse(out).unwrap();
        assert_eq!((load.p50_us, load.p99_us, load.requests, load.errors), (200.0, 1230.0, 123456, 11));
        assert!((load.rps - 24691.2).abs() < 1e-6);
        assert!(parse("nothing").is_none());
    }
}
