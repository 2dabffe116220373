//! The JSON files of the host's `files` secret store, and writing them safely.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

use super::{KeyError, NamedKey};

/// What the host writes into every secrets file besides the keys.
#[derive(Clone, Debug, Default)]
pub(crate) struct FileMeta {
    pub host_name: Option<String>,
    pub instance_id: Option<String>,
}

#[derive(Clone)]
pub(crate) struct HostSecrets {
    pub master: SecretString,
    pub function_keys: Vec<NamedKey>,
    pub system_keys: Vec<NamedKey>,
    pub meta: FileMeta,
}

#[derive(Clone)]
pub(crate) struct FunctionSecrets {
    pub keys: Vec<NamedKey>,
    pub meta: FileMeta,
}

// Unknown fields are ignored (serde's default) so files from newer hosts load.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HostFileIn {
    master_key: Option<KeyIn>,
    function_keys: Option<Vec<KeyIn>>,
    #[serde(default)]
    system_keys: Option<Vec<KeyIn>>,
    #[serde(default)]
    host_name: Option<String>,
    #[serde(default)]
    instance_id: Option<String>,
}

#[derive(Deserialize)]
struct FunctionFileIn {
    keys: Option<Vec<KeyIn>>,
    #[serde(default, rename = "hostName")]
    host_name: Option<String>,
    #[serde(default, rename = "instanceId")]
    instance_id: Option<String>,
}

#[derive(Deserialize)]
struct KeyIn {
    name: Option<String>,
    #[serde(default, deserialize_with = "secret_or_null")]
    value: Option<SecretString>,
    #[serde(default)]
    encrypted: bool,
}

fn secret_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(SecretString::from))
}

// Field order and names as the host's serializer writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HostFileOut<'a> {
    master_key: KeyOut<'a>,
    function_keys: Vec<KeyOut<'a>>,
    system_keys: Vec<KeyOut<'a>>,
    #[serde(flatten)]
    meta: MetaOut<'a>,
}

#[derive(Serialize)]
struct FunctionFileOut<'a> {
    keys: Vec<KeyOut<'a>>,
    #[serde(flatten)]
    meta: MetaOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaOut<'a> {
    host_name: Option<&'a str>,
    instance_id: Option<&'a str>,
    source: &'static str,
    /// The host records hashes of its encryption keys here; we encrypt nothing.
    decryption_key_id: &'static str,
}

#[derive(Serialize)]
struct KeyOut<'a> {
    name: &'a str,
    value: &'a str,
    encrypted: bool,
}

impl<'a> KeyOut<'a> {
    fn new(name: &'a str, value: &'a SecretString) -> Self {
        Self { name, value: value.expose_secret(), encrypted: false }
    }

    fn list(keys: &'a [NamedKey]) -> Vec<Self> {
        keys.iter().map(|k| Self::new(&k.name, &k.value)).collect()
    }
}

impl<'a> From<&'a FileMeta> for MetaOut<'a> {
    fn from(meta: &'a FileMeta) -> Self {
        Self {
            host_name: meta.host_name.as_deref(),
            instance_id: meta.instance_id.as_deref(),
            source: "runtime",
            decryption_key_id: "",
        }
    }
}

/// Parses a `host.json` secrets file.
pub(crate) fn parse_host(path: &Path, bytes: &[u8]) -> Result<HostSecrets, KeyError> {
    let file: HostFileIn = parse_json(path, bytes)?;
    let invalid = |what| KeyError::Invalid { path: path.to_owned(), what };
    let master = file.master_key.ok_or_else(|| invalid("no masterKey"))?;
    let master = into_named(path, master)?;
    if master.value.expose_secret().is_empty() {
        return Err(invalid("the master key is empty"));
    }
    Ok(HostSecrets {
        master: master.value,
        function_keys: into_keys(path, file.function_keys.ok_or_else(|| invalid("no functionKeys"))?)?,
        system_keys: into_keys(path, file.system_keys.unwrap_or_default())?,
        meta: FileMeta { host_name: file.host_name, instance_id: file.instance_id },
    })
}

/// Parses a `{function}.json` secrets file.
pub(crate) fn parse_function(path: &Path, bytes: &[u8]) -> Result<FunctionSecrets, KeyError> {
    let file: FunctionFileIn = parse_json(path, bytes)?;
    let keys = file.keys.ok_or_else(|| KeyError::Invalid { path: path.to_owned(), what: "no keys" })?;
    Ok(FunctionSecrets {
        keys: into_keys(path, keys)?,
        meta: FileMeta { host_name: file.host_name, instance_id: file.instance_id },
    })
}

pub(crate) fn render_host(secrets: &HostSecrets) -> Vec<u8> {
    render(&HostFileOut {
        master_key: KeyOut::new("master", &secrets.master),
        function_keys: KeyOut::list(&secrets.function_keys),
        system_keys: KeyOut::list(&secrets.system_keys),
        meta: (&secrets.meta).into(),
    })
}

pub(crate) fn render_function(secrets: &FunctionSecrets) -> Vec<u8> {
    render(&FunctionFileOut { keys: KeyOut::list(&secrets.keys), meta: (&secrets.meta).into() })
}

fn render(value: &impl Serialize) -> Vec<u8> {
    // Serialising borrowed strings into a Vec cannot fail.
    let mut out = serde_json::to_vec_pretty(value).expect("secrets serialise to JSON");
    out.push(b'\n');
    out
}

fn parse_json<T: for<'de> Deserialize<'de>>(path: &Path, bytes: &[u8]) -> Result<T, KeyError> {
    // The host writes its files with a UTF-8 byte order mark.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // serde_json's messages can quote the input, which holds keys: keep only
    // the position.
    serde_json::from_slice(bytes).map_err(|e| KeyError::Malformed {
        path: path.to_owned(),
        category: match e.classify() {
            serde_json::error::Category::Io => "read",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "structure",
            serde_json::error::Category::Eof => "truncation",
        },
        line: e.line(),
        column: e.column(),
    })
}

fn into_keys(path: &Path, keys: Vec<KeyIn>) -> Result<Vec<NamedKey>, KeyError> {
    keys.into_iter().map(|k| into_named(path, k)).collect()
}

fn into_named(path: &Path, key: KeyIn) -> Result<NamedKey, KeyError> {
    if key.encrypted {
        return Err(KeyError::Encrypted { path: path.to_owned() });
    }
    let invalid = |what| KeyError::Invalid { path: path.to_owned(), what };
    Ok(NamedKey {
        name: key.name.ok_or_else(|| invalid("a key has no name"))?,
        value: key.value.ok_or_else(|| invalid("a key has no value"))?,
    })
}

/// Reads a file, `None` when it does not exist.
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, KeyError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(io_error(path, source)),
    }
}

/// Creates `dir` (and parents) readable by the owner only.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), KeyError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| io_error(dir, e))
}

/// How [`write_atomic`] treats an existing file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Replace,
    /// Leave an existing file alone and report `false`: another process
    /// created it first, and its keys are the ones already handed out.
    CreateNew,
}

/// Writes `path` as a whole or not at all, mode 0600: readers never see a
/// half-written file and a crash leaves the previous version.
pub(crate) fn write_atomic(path: &Path, contents: &[u8], mode: Write) -> Result<bool, KeyError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{file_name}.{}.{}.tmp", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let result = write_temp(&temp, contents).and_then(|()| match mode {
        Write::Replace => fs::rename(&temp, path).map(|()| true),
        // A hard link fails if the target exists, unlike rename.
        Write::CreateNew => match fs::hard_link(&temp, path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        },
    });
    // Gone after a successful rename; otherwise a leftover to clean up.
    let _ = fs::remove_file(&temp);
    result.map_err(|e| io_error(path, e))
}

fn write_temp(temp: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(temp)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// The file beside the key files that every process using a key directory locks around its
/// read-modify-write cycles. It never holds anything.
pub(crate) const LOCK_FILE: &str = ".lock";

/// How long to wait for another process to release the lock. A cycle takes milliseconds; a
/// holder that never lets go (a stopped process, a stuck disk) should fail requests, not hang
/// them.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// An exclusive lock on a key directory, held until dropped.
#[derive(Debug)]
pub(crate) struct DirLock {
    file: File,
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first makes it explicit.
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive OS lock on `dir`'s [`LOCK_FILE`], creating the file (mode 0600) if
/// needed. The lock is advisory and per open file, so it orders this process's other handles
/// on the directory as well as other processes.
pub(crate) fn lock_dir(dir: &Path) -> Result<DirLock, KeyError> {
    let path = dir.join(LOCK_FILE);
    let mut options = OpenOptions::new();
    // Locking needs read or write access on some platforms; nothing is ever written.
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // A symbolic link planted as the lock file must not make the store create or lock
        // a file elsewhere.
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&path).map_err(|e| io_error(&path, e))?;
    let deadline = Instant::now() + LOCK_WAIT;
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(DirLock { file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                let timed_out = io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("another process has held the key store's lock for over {} s", LOCK_WAIT.as_secs()),
                );
                return Err(io_error(&path, timed_out));
            }
            Err(TryLockError::Error(e)) => return Err(io_error(&path, e)),
        }
    }
}

pub(crate) fn io_error(path: &Path, source: io::Error) -> KeyError {
    KeyError::Io { path: PathBuf::from(path), source }
}
