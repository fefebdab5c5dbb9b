"""Artifacts, continued: the /artifactsV2 fallback download, TTL inheritance, storage on /metrics, uploads
killed halfway (SDK or server), and cross-project use with its permission check."""
import base64
import datetime as dt
import hashlib
import json
import os
import re
import socket
import subprocess
import threading
import uuid
from urllib.parse import quote, unquote

import pytest
import requests

from conftest import ADMIN_KEY, CAIRN_BIN, ROOT
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

METRICS_TOKEN = "metrics-" + "t0k3n" * 6


def out_of(result) -> dict:
    """The script's `KEY value` lines (upper-case keys) as a dict."""
    return dict(line.split(" ", 1) for line in result.stdout.splitlines()
                if " " in line and line.split(" ", 1)[0].isupper())


def new_user(server) -> str:
    out = server.cli("users", "create", "user" + uuid.uuid4().hex[:8])
    return re.search(r"API key: (\S+)", out).group(1)


def gql(server, query, variables, key=ADMIN_KEY):
    r = requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", key), timeout=30)
    return r.status_code, r.json()


def log_files(run_script, server, project, name, files, run_id=None, ttl="", typ="dataset"):
    """Logs `files` ({path: text}) as artifact `name`; `ttl` is a Python statement run on `art` before logging."""
    r = run_script(server, f"""
        import datetime, os, wandb
        os.makedirs("data", exist_ok=True)
        for path, text in {files!r}.items():
            os.makedirs(os.path.dirname(os.path.join("data", path)) or ".", exist_ok=True)
            open(os.path.join("data", path), "w").write(text)
        run = wandb.init(project="{project}", id="{run_id or 'log-' + name}")
        art = wandb.Artifact("{name}", type="{typ}")
        art.add_dir("data")
        {ttl}
        logged = run.log_artifact(art)
        logged.wait()
        print("LOGGED", logged.id, logged.version)
        run.finish()
    """)
    return out_of(r)["LOGGED"].split()


def storage(server, project):
    r = requests.get(f"{server.url}/api/v1/projects/admin/{project}/storage", auth=("api", ADMIN_KEY), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def metrics(server, token=METRICS_TOKEN):
    return requests.get(server.url + "/metrics", headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=30)


def metric_value(text: str, name: str, **labels) -> float | None:
    """The value of `name{labels}` in Prometheus text, or None when absent."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        m = re.match(r"^(\w+)\{([^}]*)\} (\S+)$", line)
        if m and m.group(1) == name and ",".join(sorted(m.group(2).split(","))) == want:
            return float(m.group(3))
    return None


# ---------------------------------------------------------------- 1. /artifactsV2 fallback download

def test_fallback_download_route_serves_what_the_caller_may_read(make_server, run_script, project, tmp_path):
    # Request logging on, to see which URL the SDK really fetched.
    server = make_server(CAIRN_LOG_LEVEL="info")
    payload = os.urandom(300_000)
    (tmp_path / "blob.bin").write_bytes(payload)
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="fb-log")
        art = wandb.Artifact("fb", type="dataset")
        art.add_file("{tmp_path / 'blob.bin'}", name="sub/blob.bin")
        art.add_file("{tmp_path / 'blob.bin'}", name="copy.bin")
        logged = run.log_artifact(art)
        logged.wait()
        print("LOGGED", logged.id)
        run.finish()
    """)
    art_id = out_of(r)["LOGGED"]
    # `get_entry(...).download()` has no signed URL for the entry: the SDK builds the /artifactsV2/... URL and
    # sends its API key (storage_policies/wandb_storage_policy.py load_file / _file_url).
    r = run_script(server, f"""
        import hashlib, wandb
        art = wandb.Api().artifact("admin/{project}/fb:v0")
        entry = art.get_entry("sub/blob.bin")
        print("URLSET", entry._download_url is not None)
        path = entry.download(root="dl")
        print("MD5", hashlib.md5(open(path, "rb").read()).hexdigest())
    """)
    out = out_of(r)
    assert out["URLSET"] == "False"
    assert out["MD5"] == hashlib.md5(payload).hexdigest()
    requested = [json.loads(l)["req"]["url"] for l in server.log_path.read_text().splitlines()
                 if l.startswith("{") and '"incoming request"' in l]
    fallback = [u for u in requested if u.startswith("/artifactsV2/")]
    assert fallback, requested
    md5 = hashlib.md5(payload).hexdigest()
    segments = [unquote(s) for s in fallback[0].split("/")[2:]]
    # 0.28+ names the version (ARTIFACT_V2_DOWNLOAD_HANDLER_SUPPORTS_ARTIFACT_ID), older SDKs only the collection.
    expected = ["default", "admin", project, "fb"] + ([art_id] if len(segments) == 8 else []) + [art_id, md5, "blob.bin"]
    assert segments == expected

    # Every URL form the SDKs build: with the version, with the collection, the featureless one, layout V1.
    base, q = f"{server.url}/artifactsV2/default/admin", quote(art_id)
    url = f"{base}/{project}/fb/{q}/{q}/{md5}/blob.bin"
    forms = [url, f"{base}/{project}/fb/{q}/{md5}/blob.bin", f"{base}/{project}/fb//{md5}/blob.bin", f"{base}/{q}/{md5}",
             f"{base}//{md5}", f"{server.url}/artifacts/admin/{md5}"]
    for u in forms:
        got = requests.get(u, auth=("api", ADMIN_KEY), timeout=30)
        assert got.status_code == 200 and got.content == payload, (u, got.status_code)
    # Ranged GETs: a span, an open end, a suffix, and one past the end.
    got = requests.get(url, auth=("api", ADMIN_KEY), headers={"Range": "bytes=100-199"}, timeout=30)
    assert got.status_code == 206 and got.content == payload[100:200]
    assert got.headers["Content-Range"] == f"bytes 100-199/{len(payload)}"
    got = requests.get(url, auth=("api", ADMIN_KEY), headers={"Range": "bytes=299990-"}, timeout=30)
    assert got.status_code == 206 and got.content == payload[299_990:]
    got = requests.get(url, auth=("api", ADMIN_KEY), headers={"Range": "bytes=-10"}, timeout=30)
    assert got.status_code == 206 and got.content == payload[-10:]
    got = requests.get(url, auth=("api", ADMIN_KEY), headers={"Range": "bytes=300000-"}, timeout=30)
    assert got.status_code == 416 and got.headers["Content-Range"] == f"bytes */{len(payload)}"

    # No key: 401. Another user's key: 404, the same answer as for bytes that do not exist at all.
    assert requests.get(url, timeout=30).status_code == 401
    stranger = new_user(server)
    absent = requests.get(url.replace(md5, "0" * 32), auth=("api", ADMIN_KEY), timeout=30)
    assert absent.status_code == 404
    for u in forms:
        denied = requests.get(u, auth=("api", stranger), timeout=30)
        assert denied.status_code == 404 and denied.json() == absent.json(), (u, denied.text)
    # A version that is deleted no longer serves its bytes.
    run_script(server, f"""
        import wandb
        wandb.Api().artifact("admin/{project}/fb:v0").delete(delete_aliases=True)
    """)
    for u in forms:
        assert requests.get(u, auth=("api", ADMIN_KEY), timeout=30).status_code == 404, u


# ---------------------------------------------------------------- 2. TTL inheritance

def cli(server, *args, check=True):
    p = subprocess.run(["node", str(CAIRN_BIN), *args, *server.storage_args()], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_ttl_defaults_are_inherited_and_expire_through_gc(make_server, run_script, project):
    server = make_server()  # its own: gc acts on the whole server
    versions = {
        "plain": ("", "inherits the project default"),
        "short": ("art.ttl = wandb.ArtifactTTL.INHERIT", "inherits its collection's default"),
        "keep": ("", "collection default 'none' overrides the project's"),
        "own": ("art.ttl = datetime.timedelta(days=10)", "its own TTL beats every default"),
        "never": ("art.ttl = None", "explicitly no TTL, even under a default"),
        "flip": ("art.ttl = datetime.timedelta(days=30)", "own TTL, later switched to inherit"),
        "pin": ("", "inherited, later switched to no TTL"),
    }
    r = run_script(server, f"""
        import datetime, wandb
        run = wandb.init(project="{project}", id="ttl-logger")
        for name, stmt in {[(n, v[0]) for n, v in versions.items()]!r}:
            open(name + ".txt", "w").write(name)
            art = wandb.Artifact(name, type="dataset")
            art.add_file(name + ".txt")
            exec(stmt)
            logged = run.log_artifact(art)
            logged.wait()
            print("ID", name, logged.id)
        run.finish()
    """, timeout=300)  # seven versions in a row: roomy on a loaded machine
    ids = {l.split()[1]: l.split()[2] for l in r.stdout.splitlines() if l.startswith("ID ")}
    assert sorted(ids) == sorted(versions)
    assert "project default: 172800s" in cli(server, "artifacts", "ttl-default", f"admin/{project}", "2d").stdout
    assert "collection default: 86400s" in cli(server, "artifacts", "ttl-default", f"admin/{project}/short", "24h").stdout
    assert "collection default: none" in cli(server, "artifacts", "ttl-default", f"admin/{project}/keep", "none").stdout
    # Bad input: refused with a reason, nothing changed.
    for bad in [("artifacts", "ttl-default", f"admin/{project}", "0d"), ("artifacts", "ttl-default", f"admin/{project}", "soon"),
                ("artifacts", "ttl-default", "admin/no-such-project", "1d"), ("artifacts", "ttl-default", f"admin/{project}/nope", "1d")]:
        p = cli(server, *bad, check=False)
        assert p.returncode != 0 and "error:" in p.stderr, (bad, p.stderr)
    assert "project default: 172800s" in cli(server, "artifacts", "ttl-default", f"admin/{project}").stdout

    run_script(server, f"""
        import wandb
        api = wandb.Api()
        a = api.artifact("admin/{project}/flip:v0")
        a.ttl = wandb.ArtifactTTL.INHERIT
        a.save()
        b = api.artifact("admin/{project}/pin:v0")
        b.ttl = None
        b.save()
    """)
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        for name in {sorted(versions)!r}:
            a = api.artifact(f"admin/{project}/{{name}}:v0")
            print("TTL", name, a.ttl.total_seconds() if a.ttl else None)
    """)
    ttls = {l.split()[1]: l.split()[2] for l in r.stdout.splitlines() if l.startswith("TTL ")}
    day = 86400
    assert ttls == {"plain": str(2.0 * day), "short": str(1.0 * day), "keep": "None", "own": str(10.0 * day),
                    "never": "None", "flip": str(2.0 * day), "pin": "None"}
    status, body = gql(server, "query($id: ID!) { artifact(id: $id) { ttlDurationSeconds ttlIsInherited } }", {"id": ids["keep"]})
    assert body["data"]["artifact"] == {"ttlDurationSeconds": -2, "ttlIsInherited": True}
    status, body = gql(server, "query($id: ID!) { artifact(id: $id) { ttlDurationSeconds ttlIsInherited } }", {"id": ids["own"]})
    assert body["data"]["artifact"] == {"ttlDurationSeconds": 10 * day, "ttlIsInherited": False}

    def live():
        status, body = gql(server, "query($p: String!) { project(name: $p, entityName: \"admin\") { artifactCollections { edges { node { name "
                                   "artifacts { edges { node { state } } } } } } } }", {"p": project})
        return sorted(e["node"]["name"] for e in body["data"]["project"]["artifactCollections"]["edges"] if e["node"]["artifacts"]["edges"])

    now = dt.datetime.now(dt.timezone.utc)
    at = lambda days: (now + dt.timedelta(days=days)).isoformat()  # noqa: E731
    assert "expired 1 version(s)" in server.cli("gc", "--as-of", at(1.5))
    assert live() == ["flip", "keep", "never", "own", "pin", "plain"]
    assert "expired 2 version(s)" in server.cli("gc", "--as-of", at(2.5))
    assert live() == ["keep", "never", "own", "pin"]
    # Removing the collection's "none" lets the project default through, counted from the commit.
    assert "collection default: unset" in cli(server, "artifacts", "ttl-default", f"admin/{project}/keep", "unset").stdout
    assert "expired 1 version(s)" in server.cli("gc", "--as-of", at(2.6))
    assert live() == ["never", "own", "pin"]
    assert "expired 1 version(s)" in server.cli("gc", "--as-of", at(11))
    assert "expired 0 version(s)" in server.cli("gc", "--as-of", at(1000))
    assert live() == ["never", "pin"]
    # Expired versions went the retention path: restorable from the grace period, gone after it.
    assert "purged" in server.cli("gc", "--as-of", at(1000))
    status, body = gql(server, "mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }",
                       {"input": {"entityName": "admin", "projectName": project, "artifactTypeName": "dataset",
                                  "artifactCollectionName": "badttl", "digest": "1" * 32, "digestAlgorithm": "MANIFEST_MD5",
                                  "ttlDurationSeconds": 0}})
    assert status == 400 and "ttlDurationSeconds" in body["errors"][0]["message"]


# ---------------------------------------------------------------- 3. /metrics

def test_metrics_report_storage_and_need_the_token(make_server, run_script, project):
    server = make_server(CAIRN_METRICS_TOKEN=METRICS_TOKEN)
    log_files(run_script, server, project, "m1", {"shared.txt": "x" * 1000, "one.txt": "y" * 10})
    log_files(run_script, server, project, "m1", {"shared.txt": "x" * 1000, "one.txt": "z" * 20}, run_id="log-m1b")
    log_files(run_script, server, project, "m2", {"shared.txt": "x" * 1000})
    assert metrics(server, token=None).status_code == 401
    assert metrics(server, token="wrong-" + METRICS_TOKEN).status_code == 401
    r = metrics(server)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/plain")
    text = r.text
    usage = storage(server, project)
    assert usage["logicalBytes"] == 1010 + 1020 + 1000 and usage["storedBytes"] == 1000 + 10 + 20
    assert metric_value(text, "cairn_artifact_project_logical_bytes", entity="admin", project=project) == usage["logicalBytes"]
    assert metric_value(text, "cairn_artifact_project_stored_bytes", entity="admin", project=project) == usage["storedBytes"]
    assert metric_value(text, "cairn_artifact_project_versions", entity="admin", project=project) == 3
    by_name = {c["name"]: c for c in usage["collections"]}
    assert by_name["m1"] == {"name": "m1", "logicalBytes": 2030, "storedBytes": 1030, "versions": 2}
    assert by_name["m2"] == {"name": "m2", "logicalBytes": 1000, "storedBytes": 1000, "versions": 1}
    for c in ("m1", "m2"):
        labels = dict(entity="admin", project=project, collection=c)
        assert metric_value(text, "cairn_artifact_collection_logical_bytes", **labels) == by_name[c]["logicalBytes"]
        assert metric_value(text, "cairn_artifact_collection_stored_bytes", **labels) == by_name[c]["storedBytes"]
    assert re.search(r"^process_cpu_seconds_total \d", text, re.M) and re.search(r"^nodejs_heap_size_used_bytes \d", text, re.M)
    # Without a configured token there is no /metrics at all.
    assert metrics(make_server()).status_code == 404


# ---------------------------------------------------------------- 4. faults during uploads

class StallingProxy:
    """
    A TCP proxy in front of a Cairn server that holds an artifact upload halfway: once `stall_after` body bytes
    of a `PUT /storage/upload/...` went through, it forwards nothing more on that connection until `release`,
    when it cuts both sides (the client sees a dropped connection). Only the first `stalls` uploads are held.
    """

    MARK = b"PUT /storage/upload/"

    def __init__(self, target_port: int, stall_after: int, stalls: int = 1):
        self.target_port, self.stall_after, self.stalls = target_port, stall_after, stalls
        self.stalled, self.release = threading.Event(), threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump_up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump_down, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _cut(*socks):
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _pump_up(self, client, upstream):
        tail, in_upload = b"", None  # bytes of the current upload forwarded so far
        try:
            while chunk := client.recv(1 << 16):
                at = (tail + chunk).rfind(self.MARK)
                if at >= 0:
                    in_upload = len(tail + chunk) - at
                elif in_upload is not None:
                    in_upload += len(chunk)
                tail = (tail + chunk)[-len(self.MARK):]
                if in_upload is not None and in_upload >= self.stall_after:
                    with self.lock:
                        hold = self.stalls > 0
                        self.stalls -= hold
                    if hold:
                        upstream.sendall(chunk[: max(0, len(chunk) - (in_upload - self.stall_after))])
                        self.stalled.set()
                        self.release.wait()
                        break
                    in_upload = None
                upstream.sendall(chunk)
        except OSError:
            pass
        self._cut(client, upstream)

    def _pump_down(self, upstream, client):
        try:
            while chunk := upstream.recv(1 << 16):
                client.sendall(chunk)
        except OSError:
            pass
        self._cut(client, upstream)

    def close(self):
        self.release.set()
        self.listener.close()


BIG = 200 * 1024 * 1024

LOG_BIG = """
import wandb
run = wandb.init(project="{project}", id="{run_id}")
art = wandb.Artifact("big", type="dataset")
art.add_file("{path}", name="big.bin")
logged = run.log_artifact(art)
logged.wait()
print("LOGGED", logged.id, logged.version)
run.finish()
"""

CHECK_BIG = """
import hashlib, wandb
api = wandb.Api()
print("VERSIONS", sorted(a.version for a in api.artifacts("dataset", "admin/{project}/big")))
try:
    a = api.artifact("admin/{project}/big:latest")
except Exception as e:
    print("MISSING", type(e).__name__)
else:
    path = a.download(root="dl") + "/big.bin"
    h = hashlib.md5()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    print("GOT", a.version, a.state, h.hexdigest())
    print("BIRTH", a.manifest.entries["big.bin"].birth_artifact_id == a.id)
"""


@pytest.fixture
def big_file(tmp_path):
    path, h = tmp_path / "big.bin", hashlib.md5()
    with open(path, "wb") as f:
        for _ in range(BIG // (1 << 20)):
            chunk = os.urandom(1 << 20)
            h.update(chunk)
            f.write(chunk)
    return path, h.hexdigest()


# These interrupt an upload on its way through Cairn; with blobs in S3 the SDK uploads to the store itself.
cairn_receives_uploads = pytest.mark.skipif(os.environ.get("CAIRN_E2E_BLOB_BACKEND") == "s3",
                                            reason="with blobs in S3 uploads bypass Cairn (test_s3_direct.py)")


def partial_upload_on_server(server):
    tmp = server.data_dir / "blobs" / ".tmp"
    return [p for p in tmp.iterdir() if p.stat().st_size > 1 << 20] if tmp.exists() else []


@cairn_receives_uploads
def test_sdk_killed_mid_upload_commits_nothing_and_counts_nothing(make_server, run_script, spawn_script, project, big_file):
    server = make_server(CAIRN_METRICS_TOKEN=METRICS_TOKEN)
    path, md5 = big_file
    proxy = StallingProxy(server.port, stall_after=BIG // 2)
    try:
        sdk = spawn_script(server, LOG_BIG.format(project=project, run_id="killed", path=path), env={"WANDB_BASE_URL": proxy.url})
        assert proxy.stalled.wait(180), sdk.output[-4000:]
        wait_for(lambda: partial_upload_on_server(server), what="half of the upload on the server")
        sdk.kill()
    finally:
        proxy.close()
    # The server drops the partial bytes once the connection is gone.
    wait_for(lambda: not partial_upload_on_server(server), what="partial upload removed")
    assert not (server.data_dir / "blobs" / "objects" / "md5" / md5).exists()
    out = out_of(run_script(server, CHECK_BIG.format(project=project)))
    assert out["VERSIONS"] == "[]" and "MISSING" in out
    assert storage(server, project) == {"logicalBytes": 0, "storedBytes": 0, "collections": []}
    assert metric_value(metrics(server).text, "cairn_artifact_project_stored_bytes", entity="admin", project=project) is None

    # The same script again, uninterrupted: v0, bytes verified by digest, and counted once.
    logged = out_of(run_script(server, LOG_BIG.format(project=project, run_id="again", path=path), timeout=300))["LOGGED"]
    assert logged.split()[1] == "v0"
    out = out_of(run_script(server, CHECK_BIG.format(project=project), timeout=300))
    assert out["GOT"] == f"v0 COMMITTED {md5}" and out["VERSIONS"] == "['v0']"
    assert out["BIRTH"] == "True"  # the bytes' birth artifact is the version that stored them, not the abandoned one
    assert storage(server, project)["storedBytes"] == BIG
    assert metric_value(metrics(server).text, "cairn_artifact_project_stored_bytes", entity="admin", project=project) == BIG


@cairn_receives_uploads
def test_server_killed_mid_upload_sdk_retries_and_finishes(make_server, run_script, spawn_script, project, big_file):
    server = make_server()
    path, md5 = big_file
    proxy = StallingProxy(server.port, stall_after=BIG // 2)
    try:
        sdk = spawn_script(server, LOG_BIG.format(project=project, run_id="survivor", path=path), env={"WANDB_BASE_URL": proxy.url})
        assert proxy.stalled.wait(180), sdk.output[-4000:]
        wait_for(lambda: partial_upload_on_server(server), what="half of the upload on the server")
        server.kill()
        proxy.release.set()  # the client's connection drops with the server
        server.start()
        code = sdk.wait(600)
    finally:
        proxy.close()
    out = out_of(run_script(server, CHECK_BIG.format(project=project), timeout=300))
    if code == 0:
        assert out["GOT"] == f"v0 COMMITTED {md5}", sdk.output[-4000:]
        assert storage(server, project)["storedBytes"] == BIG
    else:
        # The SDK gave up: nothing half-written may be visible.
        assert out["VERSIONS"] == "[]" and "MISSING" in out, sdk.output[-4000:]
        assert not (server.data_dir / "blobs" / "objects" / "md5" / md5).exists()
        pytest.fail(f"the SDK did not finish after the server restart:\n{sdk.output[-4000:]}")


# ---------------------------------------------------------------- 4c. cross-project use

def test_cross_project_use_and_lineage_and_no_leak(server, run_script, project):
    source = project + "-a"
    log_files(run_script, server, source, "shared-ds", {"train.csv": "a,b\n1,2\n", "nested/x.txt": "nested"}, run_id="maker")
    run_script(server, f"""
        import wandb
        a = wandb.Api().artifact("admin/{source}/shared-ds:v0")
        a.aliases.append("golden")
        a.save()
    """)
    r = run_script(server, f"""
        import hashlib, os, wandb
        run = wandb.init(project="{project}", id="consumer")
        art = run.use_artifact("admin/{source}/shared-ds:golden")
        root = art.download(root="dl")
        for name in ["train.csv", "nested/x.txt"]:
            print("MD5", name, hashlib.md5(open(os.path.join(root, name), "rb").read()).hexdigest())
        print("FROM", art.entity, art.project, art.version)
        run.finish()
        api = wandb.Api()
        print("USEDBY", sorted(f"{{r.project}}/{{r.id}}" for r in api.artifact("admin/{source}/shared-ds:v0").used_by()))
        print("INPUTS", [a.qualified_name for a in api.run("admin/{project}/consumer").used_artifacts()])
        print("MAKER", api.artifact("admin/{source}/shared-ds:v0").logged_by().id)
    """)
    out = out_of(r)
    md5s = {l.split()[1]: l.split()[2] for l in r.stdout.splitlines() if l.startswith("MD5 ")}
    assert md5s == {"train.csv": hashlib.md5(b"a,b\n1,2\n").hexdigest(), "nested/x.txt": hashlib.md5(b"nested").hexdigest()}
    assert out["FROM"] == f"admin {source} v0"
    assert out["USEDBY"] == str([f"{project}/consumer"])
    assert out["INPUTS"] == str([f"admin/{source}/shared-ds:v0"])
    assert out["MAKER"] == "maker"

    # A user who cannot read admin's projects: the same error as for a name that exists nowhere.
    outsider = new_user(server)
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="outsider-{uuid.uuid4().hex[:6]}")
        for name in ["admin/{source}/shared-ds:golden", "admin/{source}/no-such-ds:golden", "admin/no-such-project/shared-ds:golden"]:
            try:
                run.use_artifact(name)
                print("LEAK", name)
            except Exception as e:
                print("ERR", type(e).__name__, str(e).replace(name.split("/")[1], "P").replace(name.split("/")[2].split(":")[0], "N"))
        run.finish()
    """, key=outsider)
    assert "LEAK" not in r.stdout
    errors = [l for l in r.stdout.splitlines() if l.startswith("ERR ")]
    assert len(errors) == 3 and len(set(errors)) == 1, errors
    assert "not found" in errors[0].lower() or "404" in errors[0], errors
