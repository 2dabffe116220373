//! The deploy package as the host will read it: layout, and the handler's mode read back from the zip.

use std::{collections::BTreeSet, io::Read};

use vaultfn::package;

#[test]
fn zip_holds_exactly_the_host_layout_with_an_executable_handler() {
    let root = crate::support::repo();
    let out = tempfile::tempdir().unwrap();
    // A copy, so a build finishing meanwhile cannot change the bytes under the comparison.
    let copy = tempfile::tempdir().unwrap();
    let handler = &copy.path().join("handler");
    std::fs::copy(crate::support::handler(), handler).unwrap();
    let built = package::package(root, handler, out.path()).unwrap();

    let mut archive = zip::ZipArchive::new(std::fs::File::open(&built.zip_path).unwrap()).unwrap();
    let names: BTreeSet<String> = archive.file_names().map(str::to_owned).collect();
    let mut expected = BTreeSet::from(["host.json".to_owned(), "handler".to_owned()]);
    for entry in std::fs::read_dir(root.join("function-templates")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        expected.insert(format!("{name}/function.json"));
    }
    assert_eq!(names, expected, "nothing but host.json, handler and the functions");
    assert!(built.functions.contains(&"config-check".to_owned()));

    let mut entry = archive.by_name("handler").unwrap();
    assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(package::HANDLER_MODE));
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).unwrap();
    assert!(bytes == std::fs::read(handler).unwrap(), "the zipped handler is the built one, byte for byte");
    drop(entry);
    assert_eq!(archive.by_name("host.json").unwrap().unix_mode().map(|m| m & 0o777), Some(0o644));

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(built.app_dir.join("handler")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert!(!built.app_dir.join("local.settings.json").exists());
    assert!(built.zip_bytes > 0 && built.zip_bytes < built.app_bytes);
}

#[test]
fn missing_sources_are_named() {
    let out = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let err = package::package(empty.path(), &crate::support::handler(), out.path()).unwrap_err();
    assert!(err.to_string().contains("host.json"), "{err}");
}
