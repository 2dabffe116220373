"""Drives the Key Vault stand-in with Microsoft's Python SDK (azure-keyvault-secrets), an official
client other than the Rust one the handler uses, so the stand-in is held to what a second SDK
expects of Key Vault and not only to what vaultfn happens to call.

Run by python_sdk.rs with VAULTFN_STANDIN_URL, VAULTFN_STANDIN_CA and VAULTFN_STANDIN_TOKEN set.
Prints "ok <step>" per step passed; on the first failure prints "FAIL <step>: <why>" to stderr
and exits 1. Exits 77 when the SDK is not importable, which the Rust test treats as a skip.
"""

import os
import sys
import time
import uuid
from urllib.parse import parse_qs, urlparse

SKIP = 77

try:
    from azure.core.credentials import AccessToken
    from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
    from azure.core.rest import HttpRequest
    from azure.keyvault.secrets import ApiVersion, SecretClient
except ImportError as e:
    print(f"the Python Key Vault SDK is not importable ({e}); scripts/install-tools installs it", file=sys.stderr)
    sys.exit(SKIP)

# The stable versions Key Vault documents from 7.4 on; the stand-in must take each one.
ACCEPTED = ["7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"]
# Older and unknown versions the stand-in must refuse as Key Vault refuses retired ones.
REFUSED = ["7.3", "2016-10-01", "2099-01-01"]
RECOVERABLE_DAYS = 90


class Failed(Exception):
    pass


def check(condition, why):
    if not condition:
        raise Failed(why)


class StandInCredential:
    """The token the stand-in grants, without Entra ID: what the SDK asks of any TokenCredential."""

    def __init__(self, token):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        check(scopes == ("https://vault.azure.net/.default",), f"the SDK asked for scopes {scopes}")
        return AccessToken(self.token, int(time.time()) + 3600)


URL = os.environ["VAULTFN_STANDIN_URL"]
CA = os.environ["VAULTFN_STANDIN_CA"]
CREDENTIAL = StandInCredential(os.environ["VAULTFN_STANDIN_TOKEN"])
# The SDK checks that the challenge's resource matches the vault's host, which only a
# *.vault.azure.net host can.
VERIFY_CHALLENGE = (urlparse(URL).hostname or "").endswith(".vault.azure.net")
RUN = uuid.uuid4().hex[:8]
# Values the stand-in must never repeat in an error.
VALUES = []


def client(api_version=None):
    options = {"connection_verify": CA, "verify_challenge_resource": VERIFY_CHALLENGE}
    if api_version:
        options["api_version"] = api_version
    return SecretClient(URL, CREDENTIAL, **options)


def value(label):
    v = f"python-sdk-{label}-{uuid.uuid4().hex}"
    VALUES.append(v)
    return v


def expect_error(status, call, code=None, inner=None):
    """Runs `call`, which must fail with `status` (and Key Vault's error code); the error's text
    must not carry any value written so far."""
    try:
        call()
    except HttpResponseError as e:
        check(e.status_code == status, f"expected HTTP {status}, got {e.status_code}: {e.message}")
        body = e.response.json() if e.response is not None else {}
        error = body.get("error", {})
        if code:
            check(error.get("code") == code, f"expected error code {code}, got {error}")
        if inner:
            check(error.get("innererror", {}).get("code") == inner, f"expected inner error {inner}, got {error}")
        text = f"{e} {e.response.text() if e.response is not None else ''}"
        check(not any(v in text for v in VALUES), f"an HTTP {status} error carries a secret value")
        return e
    raise Failed(f"expected HTTP {status}, but the call succeeded")


KV = client()
ONE, TWO, THREE = f"Conformance-One-{RUN}", f"conformance-two-{RUN}", f"conformance-three-{RUN}"
FIRST, FIRST_VERSION, LATEST = {}, {}, {}


def step_set():
    for name in (ONE, TWO, THREE):
        FIRST[name] = value(name)
        secret = KV.set_secret(name, FIRST[name], content_type="text/plain", tags={"run": RUN})
        check(secret.value == FIRST[name], f"set_secret({name}) answered another value")
        FIRST_VERSION[name] = secret.properties.version
        check(secret.properties.content_type == "text/plain", f"{name}'s content type was not kept")
        check(secret.properties.tags == {"run": RUN}, f"{name}'s tags were not kept")
        check(secret.properties.recovery_level == "Recoverable+Purgeable", "wrong recovery level")
        check(secret.properties.recoverable_days == RECOVERABLE_DAYS, "wrong recoverable days")
    # Two more versions of ONE, so its history spans pages.
    for _ in range(2):
        LATEST[ONE] = KV.set_secret(ONE, value("one-next")).value


def step_get():
    check(KV.get_secret(ONE).value == LATEST[ONE], "get_secret(ONE) is not its latest value")
    check(KV.get_secret(TWO).value == FIRST[TWO], "get_secret(TWO) lost its value")
    by_version = KV.get_secret(ONE, FIRST_VERSION[ONE])
    check(by_version.value == FIRST[ONE], "get_secret by version answered another version's value")
    check(by_version.properties.version == FIRST_VERSION[ONE], "get_secret by version answered another version")


def step_list():
    pages = [list(page) for page in KV.list_properties_of_secrets().by_page()]
    names = {p.name for page in pages for p in page}
    check({ONE, TWO, THREE} <= names, f"list_properties_of_secrets missed some of ours: {names}")
    check(len(pages) > 1, "three secrets fit one page; the nextLink was never followed")
    check(all(p.version is None for page in pages for p in page), "list items carry a version")


def step_list_versions():
    versions = list(KV.list_properties_of_secret_versions(ONE))
    check(len(versions) == 3, f"ONE has 3 versions, listed {len(versions)}")
    check(len({v.version for v in versions}) == 3, "versions listed twice")
    check(list(KV.list_properties_of_secret_versions(f"never-set-{RUN}")) == [], "an unknown name lists versions")


def step_update_properties():
    updated = KV.update_secret_properties(TWO, content_type="application/json", tags={"run": RUN, "step": "update"})
    check(updated.content_type == "application/json", "update_secret_properties did not change the content type")
    check(updated.tags == {"run": RUN, "step": "update"}, "update_secret_properties did not change the tags")
    again = KV.get_secret(TWO)
    check(again.value == FIRST[TWO], "updating properties changed the value")
    check(again.properties.content_type == "application/json", "the new content type did not stick")


def step_case_insensitive_names():
    secret = KV.get_secret(ONE.upper())
    check(secret.value == LATEST[ONE], "a name in other case is another secret")
    check(secret.name == ONE, f"the name lost the case it was first written in: {secret.name}")
    KV.set_secret(TWO.upper(), value("two-upper"))
    check(KV.get_secret(TWO).name == TWO, "a write in other case renamed the secret")
    check(len(list(KV.list_properties_of_secret_versions(TWO))) == 2, "a write in other case made a new secret")


def step_disabled_secret_403():
    KV.update_secret_properties(THREE, enabled=False)
    expect_error(403, lambda: KV.get_secret(THREE), code="Forbidden", inner="SecretDisabled")
    check(KV.update_secret_properties(THREE, enabled=True).enabled, "could not enable THREE again")


def step_not_found_404():
    try:
        KV.get_secret(f"never-set-{RUN}")
    except ResourceNotFoundError as e:
        check(e.status_code == 404, f"ResourceNotFoundError with status {e.status_code}")
        return
    raise Failed("an unknown secret was found")


def step_bad_name_400():
    expect_error(400, lambda: KV.get_secret("not_a_valid_name"), code="BadParameter")


def step_delete():
    deleted = KV.begin_delete_secret(ONE).result()
    check(deleted.name == ONE, f"the deleted secret is named {deleted.name}")
    check(deleted.recovery_id == f"{URL}/deletedsecrets/{ONE}", f"recovery id {deleted.recovery_id}")
    check(deleted.deleted_date is not None and deleted.scheduled_purge_date is not None, "no dates")
    days = (deleted.scheduled_purge_date - deleted.deleted_date).days
    check(days == RECOVERABLE_DAYS, f"purge scheduled {days} days after deletion")
    check(deleted.properties.version is not None, "the deleted bundle has no version in its id")
    expect_error(404, lambda: KV.get_secret(ONE), code="SecretNotFound")
    expect_error(404, lambda: KV.begin_delete_secret(ONE), code="SecretNotFound")


def step_get_deleted():
    deleted = KV.get_deleted_secret(ONE.upper())
    check(deleted.name == ONE, f"get_deleted_secret answered {deleted.name}")
    raw = KV.send_request(HttpRequest("GET", f"/deletedsecrets/{ONE}")).json()
    check("value" not in raw, "a deleted secret's bundle carries its value")
    expect_error(404, lambda: KV.get_deleted_secret(TWO), code="SecretNotFound")


def step_list_deleted():
    KV.begin_delete_secret(TWO).result()
    KV.begin_delete_secret(THREE).result()
    pages = [list(page) for page in KV.list_deleted_secrets().by_page()]
    names = {d.name for page in pages for d in page}
    check({ONE, TWO, THREE} <= names, f"list_deleted_secrets missed some: {names}")
    check(len(pages) > 1, "three deleted secrets fit one page; the nextLink was never followed")
    check(all(d.recovery_id and d.deleted_date for page in pages for d in page), "list items lack recovery data")
    check(not any(p.name in (ONE, TWO, THREE) for p in KV.list_properties_of_secrets()), "deleted secrets are listed live")


def step_conflict_409_on_deleted_name():
    attempt = value("reuse")
    e = expect_error(409, lambda: KV.set_secret(ONE.lower(), attempt), code="Conflict")
    check(isinstance(e, ResourceExistsError), f"409 raised {type(e).__name__}")
    check("deleted but recoverable state" in e.message, f"unexpected 409 message: {e.message}")


def step_recover():
    recovered = KV.begin_recover_deleted_secret(ONE).result()
    check(recovered.name == ONE, f"recovered {recovered.name}")
    check(KV.get_secret(ONE).value == LATEST[ONE], "the recovered secret lost its value")
    check(len(list(KV.list_properties_of_secret_versions(ONE))) == 3, "the recovered secret lost versions")
    expect_error(404, lambda: KV.get_deleted_secret(ONE), code="SecretNotFound")
    expect_error(404, lambda: KV.begin_recover_deleted_secret(ONE), code="SecretNotFound")


def step_purge():
    KV.begin_delete_secret(ONE).result()
    KV.purge_deleted_secret(ONE)
    expect_error(404, lambda: KV.get_deleted_secret(ONE), code="SecretNotFound")
    expect_error(404, lambda: KV.purge_deleted_secret(ONE), code="SecretNotFound")
    fresh = value("after-purge")
    check(KV.set_secret(ONE.lower(), fresh).name == ONE.lower(), "a purged name keeps its old case")
    check(len(list(KV.list_properties_of_secret_versions(ONE))) == 1, "a purged secret's versions came back")


def step_backup_and_restore():
    name = f"conformance-backup-{RUN}"
    kept = value("backup")
    KV.set_secret(name, value("backup-old"))
    KV.set_secret(name, kept)
    blob = KV.backup_secret(name)
    check(isinstance(blob, bytes) and len(blob) > 0, "backup_secret returned no bytes")
    check(not any(v.encode() in blob for v in VALUES), "the backup blob shows a value")
    e = expect_error(409, lambda: KV.restore_secret_backup(blob), code="Conflict")
    check(isinstance(e, ResourceExistsError), f"restoring over a live name raised {type(e).__name__}")
    KV.begin_delete_secret(name).result()
    expect_error(409, lambda: KV.restore_secret_backup(blob), code="Conflict")
    KV.purge_deleted_secret(name)
    restored = KV.restore_secret_backup(blob)
    check(restored.name == name, f"restored {restored.name}")
    check(KV.get_secret(name).value == kept, "the restored secret lost its value")
    check(len(list(KV.list_properties_of_secret_versions(name))) == 2, "the restore lost versions")
    expect_error(400, lambda: KV.restore_secret_backup(b"not a backup"), code="Malformed backup blob")


def step_api_versions():
    check(str(ApiVersion.V2026_04_01.value) in ACCEPTED, "the SDK's newest version is not in ACCEPTED")
    for version in ACCEPTED:
        check(client(version).get_secret(ONE).value is not None, f"api-version {version} was refused")
        rsp = KV.send_request(HttpRequest("GET", f"/secrets?api-version={version}&maxresults=1"))
        check(rsp.status_code == 200, f"listing with api-version {version} answered {rsp.status_code}")
        next_link = rsp.json().get("nextLink")
        check(next_link, f"a one-item page with api-version {version} has no nextLink")
        carried = parse_qs(urlparse(next_link).query).get("api-version")
        check(carried == [version], f"nextLink carries api-version {carried}, not {version}")
    for version in REFUSED:
        rsp = KV.send_request(HttpRequest("GET", f"/secrets?api-version={version}"))
        check(rsp.status_code == 400, f"api-version {version} answered {rsp.status_code}")
        error = rsp.json()["error"]
        check(error["code"] == "BadParameter" and version in error["message"], f"refusal of {version}: {error}")


STEPS = [
    ("set", step_set),
    ("get", step_get),
    ("list", step_list),
    ("list versions", step_list_versions),
    ("update properties", step_update_properties),
    ("case-insensitive names", step_case_insensitive_names),
    ("disabled secret 403", step_disabled_secret_403),
    ("not found 404", step_not_found_404),
    ("bad name 400", step_bad_name_400),
    ("delete", step_delete),
    ("get deleted", step_get_deleted),
    ("list deleted", step_list_deleted),
    ("409 on a deleted name", step_conflict_409_on_deleted_name),
    ("recover", step_recover),
    ("purge", step_purge),
    ("backup and restore", step_backup_and_restore),
    ("api versions", step_api_versions),
]


def main():
    for name, run in STEPS:
        try:
            run()
        except Failed as e:
            print(f"FAIL {name}: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # an SDK error the step did not expect is a failure too
            print(f"FAIL {name}: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        print(f"ok {name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
