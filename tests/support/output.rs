//! What spawned processes print, kept line by line for assertions and leak scans, and the free
//! ports they are given.

use std::io::{BufRead, BufReader, Read};
use std::process::Child;
use std::sync::{Arc, Mutex};

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Appends every line `child` writes to its piped stdout and stderr to `into`, echoing it to the
/// test's stderr when `TEST_LOG` is set.
pub fn collect(child: &mut Child, into: &Arc<Mutex<String>>) {
    let stdout = child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    let stderr = child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    for stream in [stdout, stderr].into_iter().flatten() {
        let into = into.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if std::env::var_os("TEST_LOG").is_some() {
                    eprintln!("{line}");
                }
                let mut out = into.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        });
    }
}
