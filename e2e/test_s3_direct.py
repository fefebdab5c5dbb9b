"""With blobs in S3 (CAIRN_E2E_BLOB_BACKEND=s3, under scripts/with-s3.sh) the SDK moves run files and
artifact files straight to and from the object store with presigned URLs: Cairn hands out URLs, never bytes.

"Not proxied" is checked on the server's own request log (level info logs every request's URL): it holds the
SDK's GraphQL and file_stream requests but no /storage/ transfer, while the bytes are in the bucket.
"""
import base64
import hashlib
import json
import os
import re

import pytest
import requests

from conftest import ADMIN_KEY

pytestmark = pytest.mark.skipif(os.environ.get("CAIRN_E2E_BLOB_BACKEND") != "s3",
                                reason="needs CAIRN_E2E_BLOB_BACKEND=s3 (run under scripts/with-s3.sh)")

S3_ENDPOINT = os.environ.get("CAIRN_TEST_S3_ENDPOINT", "")


def gql(server, query, variables):
    r = requests.post(server.url + "/graphql", json={"query": query, "variables": variables}, auth=("api", ADMIN_KEY), timeout=60)
    return r.status_code, r.json()


def requested_urls(server) -> list[str]:
    """Every request path the server logged (fastify's "incoming request" lines)."""
    urls = []
    for line in server.log_path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("req"), dict) and "url" in entry["req"]:
            urls.append(entry["req"]["url"])
    return urls


def assert_no_bytes_through_cairn(server):
    urls = requested_urls(server)
    assert any(u.startswith("/graphql") for u in urls), "the request log is not recording requests"
    proxied = [u for u in urls if u.startswith(("/storage/", "/artifactsV2/", "/artifacts/"))]
    assert proxied == []
    if getattr(server, "nginx", None):
        # Scale-out (nginx in front): the proxy's access log has every request's size; none carried file bytes.
        sizes = [int(n) for n in re.findall(r"req_bytes=(\d+)", server.nginx.access_log.read_text())]
        assert sizes and max(sizes) < 10_000_000, max(sizes, default=None)


def out_of(result) -> dict:
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if re.match(r"^[A-Z_]+ ", line))


def test_run_and_artifact_files_go_straight_to_s3(make_server, run_script, project, tmp_path):
    server = make_server(CAIRN_LOG_LEVEL="info")
    payload = os.urandom(300_000)
    (tmp_path / "weights.bin").write_bytes(payload)
    r = run_script(server, f"""
        import os, wandb
        run = wandb.init(project="{project}", id="direct")
        with open(os.path.join(run.dir, "notes.txt"), "w") as f:
            f.write("run file bytes")
        run.save(os.path.join(run.dir, "notes.txt"), base_path=run.dir, policy="now")
        art = wandb.Artifact("weights", type="model")
        art.add_file("{tmp_path / 'weights.bin'}", name="weights.bin")
        art.add_file("{tmp_path / 'weights.bin'}", name="copy/weights.bin")
        run.log_artifact(art).wait()
        run.finish()

        api = wandb.Api()
        got = api.artifact("{project}/weights:v0").download(root="{tmp_path / 'dl'}")
        print("ART", open(os.path.join(got, "weights.bin"), "rb").read() == open("{tmp_path / 'weights.bin'}", "rb").read())
        f = api.run("{project}/direct").file("notes.txt").download(root="{tmp_path / 'runfile'}", replace=True)
        print("RUNFILE", open(f.name).read())
    """)
    out = out_of(r)
    assert out["ART"] == "True" and out["RUNFILE"] == "run file bytes"
    # The bytes are in the bucket, under the keys Cairn knows them by.
    md5_hex = hashlib.md5(payload).hexdigest()
    assert server.blobs(f"objects/md5/{md5_hex}") == {f"objects/md5/{md5_hex}": len(payload)}
    assert any(k.endswith("/files/notes.txt") for k in server.blobs("runs/"))
    # The run file was recorded from the store (size and MD5), not from bytes Cairn saw.
    status, body = gql(server, """query($p: String!) { project(name: $p, entityName: "admin") { run(name: "direct") {
        files(names: ["notes.txt"]) { edges { node { name sizeBytes md5 directUrl } } } } } }""", {"p": project})
    node = body["data"]["project"]["run"]["files"]["edges"][0]["node"]
    assert node["sizeBytes"] == len(b"run file bytes")
    assert node["md5"] == base64.b64encode(hashlib.md5(b"run file bytes").digest()).decode()
    assert node["directUrl"].startswith(S3_ENDPOINT + "/")
    assert_no_bytes_through_cairn(server)


FILES = """mutation($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) {
  files { edges { node { uploadUrl uploadHeaders storagePath } } } } }"""


def test_urls_point_at_the_store_and_the_store_checks_the_bytes(make_server, project):
    server = make_server()
    status, body = gql(server, """mutation($p: String!) { upsertBucket(input: {name: "urls", modelName: $p, entityName: "admin"}) { bucket { id } } }""", {"p": project})
    assert status == 200, body
    status, body = gql(server, """mutation($p: String!) { createRunFiles(input: {entityName: "admin", projectName: $p, runName: "urls",
        files: ["a.txt", "../escape"]}) { files { name uploadUrl } } }""", {"p": project})
    files = {f["name"]: f["uploadUrl"] for f in body["data"]["createRunFiles"]["files"]}
    assert files["a.txt"].startswith(S3_ENDPOINT + "/") and files["../escape"] is None

    status, body = gql(server, """mutation($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id } } }""",
                       {"input": {"entityName": "admin", "projectName": project, "artifactTypeName": "dataset",
                                  "artifactCollectionName": "checked", "digest": "d" * 32, "digestAlgorithm": "MANIFEST_MD5"}})
    art = body["data"]["createArtifact"]["artifact"]["id"]
    real = b"the declared bytes"
    md5 = base64.b64encode(hashlib.md5(real).digest()).decode()
    status, body = gql(server, FILES, {"input": {"artifactFiles": [{"artifactID": art, "name": "f.txt", "md5": md5}], "storageLayout": "V2"}})
    node = body["data"]["createArtifactFiles"]["files"]["edges"][0]["node"]
    assert node["uploadUrl"].startswith(S3_ENDPOINT + "/")
    assert node["uploadHeaders"] == [f"Content-MD5:{md5}"]
    headers = dict(h.split(":", 1) for h in node["uploadHeaders"])
    # Other bytes under the declared MD5, or no MD5 at all: the store refuses them and holds nothing.
    assert requests.put(node["uploadUrl"], data=b"other bytes", headers=headers, timeout=30).status_code == 400
    assert requests.put(node["uploadUrl"], data=b"other bytes", timeout=30).status_code in (400, 403)
    assert server.blobs(node["storagePath"]) == {}
    manifest = json.dumps({"version": 1, "storagePolicy": "wandb-storage-policy-v1", "storagePolicyConfig": {},
                           "contents": {"f.txt": {"digest": md5, "size": len(real)}}})
    status, body = gql(server, """mutation($id: ID!, $p: String!) { createArtifactManifest(input: {artifactID: $id,
        name: "wandb_manifest.json", digest: "x", entityName: "admin", projectName: $p, type: FULL}) { artifactManifest { file { uploadUrl } } } }""",
                       {"id": art, "p": project})
    manifest_url = body["data"]["createArtifactManifest"]["artifactManifest"]["file"]["uploadUrl"]
    assert manifest_url.startswith(S3_ENDPOINT + "/")
    assert requests.put(manifest_url, data=manifest, timeout=30).status_code == 200
    commit = """mutation($id: ID!) { commitArtifact(input: {artifactID: $id}) { artifact { state versionIndex } } }"""
    status, body = gql(server, commit, {"id": art})
    assert status == 400 and "was not uploaded" in body["errors"][0]["message"]
    # The declared bytes: the commit finds them in the store and makes v0.
    assert requests.put(node["uploadUrl"], data=real, headers=headers, timeout=30).status_code == 200
    status, body = gql(server, commit, {"id": art})
    assert body["data"]["commitArtifact"]["artifact"] == {"state": "COMMITTED", "versionIndex": 0}
    # The SDK's fallback download route checks access, then redirects to the store (ranges travel along).
    fallback = f"{server.url}/artifactsV2/default/admin/x/{hashlib.md5(real).hexdigest()}"
    r = requests.get(fallback, auth=("api", ADMIN_KEY), allow_redirects=False, timeout=30)
    assert r.status_code == 302 and r.headers["Location"].startswith(S3_ENDPOINT + "/")
    assert requests.get(fallback, auth=("api", ADMIN_KEY), timeout=30).content == real
    assert requests.get(fallback, auth=("api", ADMIN_KEY), headers={"Range": "bytes=4-11"}, timeout=30).content == real[4:12]
    assert requests.get(fallback, timeout=30, allow_redirects=False).status_code in (401, 404)


def test_multipart_upload_goes_straight_to_s3(make_server, run_script, project, tmp_path):
    """A 2.5 GiB sparse file: the SDK (multipart from 2 GiB) PUTs its parts to presigned S3 part URLs."""
    import wandb
    if tuple(int(p) for p in wandb.__version__.split(".")[:2]) < (0, 30):
        pytest.skip("multipart is exercised once, with the newest SDK, to keep the suite fast")
    server = make_server(CAIRN_LOG_LEVEL="info")
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(2_684_354_560)          # 2.5 GiB of zeros, sparse on disk
        f.seek(1_500_000_000)
        f.write(b"a marker in the middle")   # so the parts differ
    run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="bigrun")
        art = wandb.Artifact("big", type="model")
        art.add_file("{big}", name="big.bin")
        run.log_artifact(art).wait()
        run.finish()
    """, timeout=900)
    status, body = gql(server, """query($p: String!) { project(name: $p, entityName: "admin") {
        artifactCollectionMembership(name: "big:v0") { artifact { size state } } } }""", {"p": project})
    assert body["data"]["project"]["artifactCollectionMembership"]["artifact"] == {"size": 2_684_354_560, "state": "COMMITTED"}
    assert 2_684_354_560 in server.blobs("objects/md5/").values()
    assert server.blobs("uploads/") == {}
    assert_no_bytes_through_cairn(server)
