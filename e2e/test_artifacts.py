"""Artifacts through the real SDK: log, version, dedup, use, download (bytes by digest), lineage lists."""
import hashlib
import json

LOG = """
import os, wandb
os.makedirs("data", exist_ok=True)
for name, text in {files}.items():
    with open(os.path.join("data", name), "w") as f:
        f.write(text)
run = wandb.init(project="{project}", id="{run_id}")
art = wandb.Artifact("{name}", type="dataset", description="toy data", metadata={{"rows": 3}})
art.add_dir("data")
logged = run.log_artifact(art, aliases={aliases})
logged.wait()
print("LOGGED", logged.version, logged.digest)
run.finish()
"""


def log(run_script, server, project, run_id, files, name="toy", aliases=None):
    r = run_script(server, LOG.format(project=project, run_id=run_id, files=repr(files), name=name,
                                      aliases=repr(aliases or [])))
    line = next(l for l in r.stdout.splitlines() if l.startswith("LOGGED "))
    return line.split()[1], line.split()[2]


def test_versions_dedup_use_download(server, run_script, project):
    v0, d0 = log(run_script, server, project, "producer1", {"a.txt": "alpha", "b.txt": "beta"}, aliases=["best"])
    assert v0 == "v0"
    # Same content again: the SDK is told it exists, no new version.
    again, d_again = log(run_script, server, project, "producer2", {"a.txt": "alpha", "b.txt": "beta"})
    assert again == "v0" and d_again == d0
    v1, d1 = log(run_script, server, project, "producer3", {"a.txt": "alpha", "b.txt": "BETA!", "c.txt": "gamma"})
    assert v1 == "v1" and d1 != d0

    r = run_script(server, f"""
        import hashlib, json, os, wandb
        run = wandb.init(project="{project}", id="consumer")
        art = run.use_artifact("toy:latest")
        path = art.download(root="dl")
        digests = {{n: hashlib.md5(open(os.path.join(path, n), "rb").read()).hexdigest() for n in sorted(os.listdir(path))}}
        print("FILES", json.dumps(digests))
        best = run.use_artifact("toy:best")
        print("BEST", best.version, sorted(os.listdir(best.download(root="dlbest"))))
        print("META", json.dumps(art.metadata), art.description, art.type)
        run.finish()
    """)
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    expected = {n: hashlib.md5(t.encode()).hexdigest() for n, t in {"a.txt": "alpha", "b.txt": "BETA!", "c.txt": "gamma"}.items()}
    assert json.loads(out["FILES"]) == expected
    assert out["BEST"] == "v0 ['a.txt', 'b.txt']"
    assert out["META"].startswith('{"rows": 3} toy data dataset')

    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        print("OUT", [a.version for a in api.run("admin/{project}/producer3").logged_artifacts()])
        print("IN", sorted(a.version for a in api.run("admin/{project}/consumer").used_artifacts()))
        a = api.artifact("admin/{project}/toy:v1")
        print("ALIASES", sorted(a.aliases), a.size, sum(1 for _ in a.files()))
        try:
            api.artifact("admin/{project}/toy:nope")
            print("NOERROR")
        except Exception as e:
            print("MISSING", type(e).__name__)
    """)
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    assert out["OUT"] == "['v1']"
    assert out["IN"] == "['v0', 'v1']"
    assert out["ALIASES"] == "['latest'] 15 3"
    assert "MISSING" in out


def test_content_is_stored_once(server, run_script, project):
    big = "x" * 100_000
    log(run_script, server, project, "p1", {"big.bin": big}, name="one")
    log(run_script, server, project, "p2", {"big.bin": big, "small.txt": "s"}, name="two")
    objects = list((server.data_dir / "blobs" / "objects" / "md5").iterdir())
    assert hashlib.md5(big.encode()).hexdigest() in {p.name for p in objects}
    assert sum(1 for p in objects if p.name == hashlib.md5(big.encode()).hexdigest()) == 1


def gql(server, query, variables, key=None):
    import requests
    from conftest import ADMIN_KEY
    r = requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", key or ADMIN_KEY), timeout=30)
    return r.status_code, r.json()


CREATE = """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id state } } }"""
FILES = """mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) {
  files { edges { node { uploadUrl storagePath artifact { id } } } } } }"""
MANIFEST = """mutation($id: ID!, $d: String!, $e: String!, $p: String!) { createArtifactManifest(input: {artifactID: $id,
  name: "wandb_manifest.json", digest: $d, entityName: $e, projectName: $p, type: FULL}) { artifactManifest { id file { uploadUrl } } } }"""
COMMIT = """mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { id state versionIndex } } }"""


def new_artifact(server, project, name="raw"):
    import uuid
    status, body = gql(server, CREATE, {"input": {"entityName": "admin", "projectName": project, "artifactTypeName": "dataset",
                                                  "artifactCollectionName": name, "digest": uuid.uuid4().hex,
                                                  "digestAlgorithm": "MANIFEST_MD5"}})
    assert status == 200, body
    return body["data"]["createArtifact"]["artifact"]["id"]


def test_bad_uploads_and_commits_are_refused(server, project):
    import base64
    import requests
    art = new_artifact(server, project)
    md5 = base64.b64encode(hashlib.md5(b"real bytes").digest()).decode()
    # Traversal and absolute entry paths: refused before any URL is handed out.
    for bad in ["../x", "/etc/passwd", "a/../../b", "a\\b", "nul\0x"]:
        status, body = gql(server, FILES, {"input": {"artifactFiles": [{"artifactID": art, "name": bad, "md5": md5}], "storageLayout": "V2"}})
        assert status == 400 and "invalid artifact file path" in body["errors"][0]["message"], (bad, body)
    status, body = gql(server, FILES, {"input": {"artifactFiles": [{"artifactID": art, "name": "f.txt", "md5": md5}], "storageLayout": "V2"}})
    node = body["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]
    # Bytes that do not match the declared MD5: 400, nothing stored.
    r = requests.put(node["uploadUrl"], data=b"other bytes", timeout=30)
    assert r.status_code == 400 and "MD5 mismatch" in r.text
    assert not (server.data_dir / "blobs" / node["storagePath"]).exists()
    # A manifest naming a file that was never uploaded: the commit is refused and nothing is committed.
    manifest = json.dumps({"version": 1, "storagePolicy": "wandb-storage-policy-v1", "storagePolicyConfig": {},
                           "contents": {"f.txt": {"digest": md5, "size": 10}}})
    status, body = gql(server, MANIFEST, {"id": art, "d": "x", "e": "admin", "p": project})
    assert requests.put(body["data"]["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"], data=manifest).status_code == 200
    status, body = gql(server, COMMIT, {"id": art})
    assert status == 400 and "was not uploaded" in body["errors"][0]["message"]
    status, body = gql(server, "query($id: ID!) { artifact(id: $id) { state versionIndex } }", {"id": art})
    assert body["data"]["artifact"] == {"state": "PENDING", "versionIndex": None}
    # Now upload the right bytes: the same commit succeeds as v0.
    assert requests.put(node["uploadUrl"], data=b"real bytes", timeout=30).status_code == 200
    status, body = gql(server, COMMIT, {"id": art})
    assert status == 200 and body["data"]["commitArtifact"]["artifact"]["versionIndex"] == 0


def test_bad_names_and_other_users_artifacts(server, run_script, project):
    status, body = gql(server, CREATE, {"input": {"entityName": "admin", "projectName": project, "artifactTypeName": "dataset",
                                                  "artifactCollectionName": "bad/name", "digest": "0" * 32, "digestAlgorithm": "MANIFEST_MD5"}})
    assert status == 400 and "invalid artifact name" in body["errors"][0]["message"]
    log(run_script, server, project, "secretrun", {"s.txt": "secret"}, name="secret")
    bob = re_key(server)
    status, body = gql(server, "query($p: String!) { project(name: $p, entityName: \"admin\") { artifactCollectionMembership(name: \"secret:latest\") { id } } }",
                       {"p": project}, key=bob)
    assert body["data"]["project"] is None
    r = run_script(server, f"""
        import wandb
        try:
            wandb.Api().artifact("admin/{project}/secret:latest")
            print("LEAK")
        except Exception as e:
            print("DENIED", type(e).__name__)
    """, key=bob)
    assert "DENIED" in r.stdout and "LEAK" not in r.stdout


def re_key(server):
    import re
    import uuid
    out = server.cli("users", "create", "bob" + uuid.uuid4().hex[:6])
    return re.search(r"API key: (\S+)", out).group(1)


def test_aliases_tags_update_delete_listing_lineage(server, run_script, project):
    log(run_script, server, project, "prod1", {"m.txt": "model 1"}, name="clf")
    log(run_script, server, project, "prod2", {"m.txt": "model 2"}, name="clf")
    r = run_script(server, f"""
        import wandb
        api = wandb.Api()
        a = api.artifact("admin/{project}/clf:v0")
        a.aliases.append("best")
        a.description = "first model"
        a.metadata = {{"acc": 0.9}}
        a.tags = ["baseline"]
        a.save()
        a = api.artifact("admin/{project}/clf:best")
        print("V0", a.version, sorted(a.aliases), a.description, a.metadata["acc"], a.tags)
        # Moving an alias: best now on v1, no longer on v0.
        b = api.artifact("admin/{project}/clf:v1")
        b.aliases.append("best")
        b.save()
        print("BEST", api.artifact("admin/{project}/clf:best").version, sorted(api.artifact("admin/{project}/clf:v0").aliases))
        print("VERSIONS", [v.version for v in api.artifacts("dataset", "admin/{project}/clf")])
        print("TYPES", sorted(t.name for t in api.artifact_types("admin/{project}")))
        print("COLLECTIONS", sorted(c.name for c in api.artifact_type("dataset", "admin/{project}").collections()))
        print("CREATOR", api.artifact("admin/{project}/clf:v1").logged_by().id)
        try:
            api.artifact("admin/{project}/clf:v1").delete()   # holds latest and best
            print("NOERROR -")
        except Exception as e:
            print("REFUSED", "delete_aliases" in str(e))
        api.artifact("admin/{project}/clf:v1").delete(delete_aliases=True)
        print("AFTER", [v.version for v in api.artifacts("dataset", "admin/{project}/clf")])
    """)
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    assert out["V0"] == "v0 ['best'] first model 0.9 ['baseline']"
    assert out["BEST"] == "v1 []"
    assert out["VERSIONS"] == "['v1', 'v0']"
    assert out["TYPES"] == "['dataset']"
    assert out["COLLECTIONS"] == "['clf']"
    assert out["CREATOR"] == "prod2"
    assert out["REFUSED"] == "True"
    assert out["AFTER"] == "['v0']"


def test_large_file_goes_through_multipart(server, run_script, project, tmp_path):
    """A 2.5 GiB sparse file: the SDK splits it into parts (one URL each), Cairn joins and verifies them."""
    import pytest
    import wandb
    if tuple(int(p) for p in wandb.__version__.split(".")[:2]) < (0, 30):
        pytest.skip("multipart is exercised once, with the newest SDK, to keep the suite fast")
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(2_684_354_560)          # 2.5 GiB of zeros, sparse on disk
        f.seek(1_500_000_000)
        f.write(b"a marker in the middle")   # so the parts differ
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="bigrun")
        art = wandb.Artifact("big", type="model")
        art.add_file("{big}", name="big.bin")
        run.log_artifact(art).wait()
        run.finish()
    """, timeout=900)
    status, body = gql(server, "query($p: String!) { project(name: $p, entityName: \"admin\") { artifactCollectionMembership(name: \"big:v0\") { artifact { size state } } } }", {"p": project})
    assert body["data"]["project"]["artifactCollectionMembership"]["artifact"] == {"size": 2_684_354_560, "state": "COMMITTED"}
    stored = list((server.data_dir / "blobs" / "objects" / "md5").iterdir())
    assert any(p.stat().st_size == 2_684_354_560 for p in stored)
    assert not any((server.data_dir / "blobs" / "uploads").rglob("*")) or all(p.is_dir() for p in (server.data_dir / "blobs" / "uploads").rglob("*"))
    log = (server.log_path.read_text() if server.log_path else "")
    assert "completeMultipart" not in log  # no server errors logged about it


def test_ttl_expiry_restore_purge_keeps_shared_blobs(make_server, run_script, project):
    import base64
    server = make_server()  # its own: gc acts on the whole server
    import datetime as dt
    import requests
    from conftest import ADMIN_KEY
    r = run_script(server, f"""
        import datetime, os, wandb
        for name, files, ttl in [("a", {{"shared.txt": "shared bytes", "only-a.txt": "aaaa"}}, 1),
                                 ("b", {{"shared.txt": "shared bytes", "only-b.txt": "bb"}}, None)]:
            os.makedirs(name, exist_ok=True)
            for f, text in files.items():
                open(os.path.join(name, f), "w").write(text)
            run = wandb.init(project="{project}", id="ttl-" + name)
            art = wandb.Artifact(name, type="dataset")
            art.add_dir(name)
            if ttl:
                art.ttl = datetime.timedelta(days=ttl)
            logged = run.log_artifact(art)
            logged.wait()
            print("ID", name, logged.id)
            run.finish()
    """)
    ids = {line.split()[1]: line.split()[2] for line in r.stdout.splitlines() if line.startswith("ID ")}
    numeric_a = base64.b64decode(ids["a"]).decode().split(":")[1]
    usage = requests.get(f"{server.url}/api/v1/projects/admin/{project}/storage", auth=("api", ADMIN_KEY)).json()
    assert usage["logicalBytes"] == 12 + 4 + 12 + 2 and usage["storedBytes"] == 12 + 4 + 2

    def visible(alias):
        status, body = gql(server, "query($p: String!, $n: String!) { project(name: $p, entityName: \"admin\") { artifactCollectionMembership(name: $n) { id } } }",
                           {"p": project, "n": alias})
        return body["data"]["project"]["artifactCollectionMembership"] is not None

    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).isoformat()
    assert "expired 1 version(s)" in server.cli("gc", "--as-of", later)
    assert not visible("a:v0") and visible("b:v0")
    server.cli("artifacts-restore", numeric_a)
    assert visible("a:v0")
    server.cli("gc", "--as-of", later)
    much_later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).isoformat()
    out = server.cli("gc", "--as-of", much_later)
    assert "purged 1" in out and "deleted 1 blob(s)" in out
    objects = {p.name for p in (server.data_dir / "blobs" / "objects" / "md5").iterdir()}
    assert hashlib.md5(b"shared bytes").hexdigest() in objects        # still needed by b
    assert hashlib.md5(b"aaaa").hexdigest() not in objects              # only a had it
    r = run_script(server, f"""
        import wandb
        p = wandb.Api().artifact("admin/{project}/b:v0").download(root="dl")
        print("B", open(p + "/shared.txt").read())
    """)
    assert "B shared bytes" in r.stdout
    usage = requests.get(f"{server.url}/api/v1/projects/admin/{project}/storage", auth=("api", ADMIN_KEY)).json()
    assert usage == {"logicalBytes": 14, "storedBytes": 14, "collections": [{"name": "b", "logicalBytes": 14, "versions": 1}]}


def test_reference_artifacts_store_only_digests(server, run_script, project, tmp_path):
    import http.server
    import threading
    served = tmp_path / "served"
    served.mkdir()
    (served / "remote.txt").write_text("over http")
    local = tmp_path / "local.txt"
    local.write_text("on disk")
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(served), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/remote.txt"
        r = run_script(server, f"""
            import wandb
            run = wandb.init(project="{project}", id="refs")
            art = wandb.Artifact("refs", type="dataset")
            art.add_reference("file://{local}")
            art.add_reference("{url}")
            run.log_artifact(art).wait()
            run.finish()
            a = wandb.Api().artifact("admin/{project}/refs:latest")
            print("ENTRIES", sorted(e.ref for e in a.manifest.entries.values()))
            p = a.download(root="dl")
            import os
            print("GOT", sorted(open(os.path.join(p, f)).read() for f in os.listdir(p)))
        """)
        out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.split(" ", 1)[0].isupper())
        assert out["ENTRIES"] == str(sorted([f"file://{local}", url]))
        assert out["GOT"] == str(sorted(["on disk", "over http"]))
        # Nothing was copied into Cairn: no content objects for referenced bytes.
        objects = server.data_dir / "blobs" / "objects" / "md5"
        names = {p.name for p in objects.iterdir()} if objects.exists() else set()
        assert hashlib.md5(b"on disk").hexdigest() not in names and hashlib.md5(b"over http").hexdigest() not in names
    finally:
        httpd.shutdown()
