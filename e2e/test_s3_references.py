"""Reference artifacts to s3:// objects in Cairn's own bucket (CAIRN_E2E_BLOB_BACKEND=s3, under scripts/with-s3.sh):
the real SDK adds them with boto3 (ETag as digest, or the URI itself with checksum=False) and Cairn checksums them
at commit: a stale ETag is refused naming the entry, a checksum=False one gets its real ETag and size.
"""
import hashlib
import os
import re
import uuid

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("CAIRN_E2E_BLOB_BACKEND") != "s3",
                                reason="needs CAIRN_E2E_BLOB_BACKEND=s3 (run under scripts/with-s3.sh)")


def out_of(result) -> dict:
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if re.match(r"^[A-Z_0-9]+ ", line))


def test_s3_references_in_cairns_bucket_are_checksummed_by_cairn(make_server, run_script, project, tmp_path):
    import boto3
    from botocore.config import Config

    e = os.environ
    bucket = e["CAIRN_TEST_S3_BUCKET"]
    # boto3 (in the SDK) reaches the same store: path-style, as self-hosted stores need.
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[default]\ns3 =\n    addressing_style = path\n")
    aws_env = {
        "AWS_ACCESS_KEY_ID": e["CAIRN_TEST_S3_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": e["CAIRN_TEST_S3_SECRET_ACCESS_KEY"],
        "AWS_REGION": e.get("CAIRN_TEST_S3_REGION", "us-east-1"), "AWS_DEFAULT_REGION": e.get("CAIRN_TEST_S3_REGION", "us-east-1"),
        "AWS_S3_ENDPOINT_URL": e["CAIRN_TEST_S3_ENDPOINT"], "AWS_ENDPOINT_URL": e["CAIRN_TEST_S3_ENDPOINT"],
        "AWS_CONFIG_FILE": str(aws_config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
    }
    s3 = boto3.client("s3", endpoint_url=e["CAIRN_TEST_S3_ENDPOINT"], region_name=aws_env["AWS_REGION"],
                      aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
                      config=Config(s3={"addressing_style": "path"}))
    # Outside the server's own prefix: a user's object that happens to live in Cairn's bucket.
    key = f"user-data-{uuid.uuid4().hex[:8]}/data.bin"
    first, second = os.urandom(70_000), os.urandom(50_000)
    s3.put_object(Bucket=bucket, Key=key, Body=first)
    uri = f"s3://{bucket}/{key}"
    (tmp_path / "first.bin").write_bytes(first)
    (tmp_path / "second.bin").write_bytes(second)

    server = make_server()
    r = run_script(server, f"""
        import boto3, wandb
        from botocore.config import Config
        api = wandb.Api()
        run = wandb.init(project="{project}", id="refs")
        checked = wandb.Artifact("ref-checked", type="dataset")
        checked.add_reference("{uri}", name="data.bin")
        unchecked = wandb.Artifact("ref-unchecked", type="dataset")
        unchecked.add_reference("{uri}", name="data.bin", checksum=False)
        unchecked.add_reference("s3://another-bucket/elsewhere.bin", name="other.bin", checksum=False)
        run.log_artifact(checked).wait()
        run.log_artifact(unchecked).wait()
        for name in ("ref-checked", "ref-unchecked"):
            art = run.use_artifact(name + ":v0")
            for path, entry in sorted(art.manifest.entries.items()):
                print("ENTRY", name, path, entry.digest, entry.size, (entry.extra or {{}}).get("etag"))
            got = art.download(root="{tmp_path}/" + name, path_prefix="data.bin")  # other.bin names no real object
            print("BYTES", name, open(got + "/data.bin", "rb").read() == open("{tmp_path}/first.bin", "rb").read())

        # Added while the object still has the first bytes, committed after it was overwritten.
        stale = wandb.Artifact("ref-stale", type="dataset")
        stale.add_reference("{uri}", name="data.bin")
        boto3.client("s3", config=Config(s3={{"addressing_style": "path"}})).put_object(
            Bucket="{bucket}", Key="{key}", Body=open("{tmp_path}/second.bin", "rb").read())
        try:
            run.log_artifact(stale).wait()
            print("STALE committed")
        except Exception as e:
            print("STALE", " ".join(str(e).split()))
        # An incremental version (a partial manifest): its own checksum=False entry is filled in; the base
        # version's entry, stale by now, was checked at its own commit and is not checked again.
        inc = wandb.Artifact("ref-checked", type="dataset", incremental=True)
        inc.add_reference("{uri}", name="more.bin", checksum=False)
        run.log_artifact(inc).wait()
        for path, entry in sorted(run.use_artifact("ref-checked:v1").manifest.entries.items()):
            print("INC", path, entry.digest, entry.size)
        run.finish()
    """, env=aws_env)
    out = r.stdout
    etag = hashlib.md5(first).hexdigest()
    entries = re.findall(r"^ENTRY (.*)$", out, re.M)
    assert entries == [
        f"ref-checked data.bin {etag} {len(first)} {etag}",
        f"ref-unchecked data.bin {etag} {len(first)} {etag}",  # filled in by Cairn at commit
        "ref-unchecked other.bin s3://another-bucket/elsewhere.bin 0 None",  # not Cairn's bucket: as sent
    ], out
    assert re.findall(r"^BYTES (.*)$", out, re.M) == ["ref-checked True", "ref-unchecked True"], r.output[-4000:]
    stale = re.search(r"^STALE (.*)$", out, re.M).group(1)
    assert "reference data.bin" in stale and "changed since it was added" in stale and hashlib.md5(second).hexdigest() in stale, stale
    assert re.findall(r"^INC (.*)$", out, re.M) == [
        f"data.bin {etag} {len(first)}", f"more.bin {hashlib.md5(second).hexdigest()} {len(second)}"], r.output[-4000:]
    # Nothing was committed for the refused version.
    data = server.gql("""query($p: String!) { project(name: $p, entityName: "admin") {
        artifactCollectionMembership(name: "ref-stale:latest") { artifact { state } } } }""", {"p": project})
    assert data["project"]["artifactCollectionMembership"] is None, data
