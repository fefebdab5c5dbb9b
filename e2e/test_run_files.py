"""Run files and console output: what the SDK uploads is stored byte for byte and can be downloaded again."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import requests

FILES_QUERY = "files { edges { node { name url sizeBytes md5 } } }"


def result_of(r) -> dict:
    """The JSON the script printed on its `RESULT ` line."""
    return json.loads(next(l[len("RESULT "):] for l in r.stdout.splitlines() if l.startswith("RESULT ")))


def files_of(server, project: str, run_id: str) -> dict[str, dict]:
    edges = server.run("admin", project, run_id, FILES_QUERY)["files"]["edges"]
    return {e["node"]["name"]: e["node"] for e in edges}


def download(node: dict) -> bytes:
    r = requests.get(node["url"], timeout=10)
    assert r.status_code == 200, (node["name"], r.status_code, r.text[:200])
    return r.content


def assert_stored_as_written(node: dict, local: Path) -> None:
    body = download(node)
    assert body == local.read_bytes(), node["name"]
    assert node["sizeBytes"] == len(body)
    if node["md5"]:
        # W&B reports md5 as base64 of the digest.
        assert node["md5"] in (base64.b64encode(hashlib.md5(body).digest()).decode(), hashlib.md5(body).hexdigest())


def test_standard_run_files_are_stored_and_downloadable(server, run_script, project):
    r = run_script(server, f"""
        import json, wandb
        run = wandb.init(project="{project}", config={{"lr": 0.5}})
        print("hello from the run")
        run.log({{"loss": 0.25}})
        print("RESULT " + json.dumps({{"id": run.id, "dir": run.dir}}))
        run.finish()
    """)
    res = result_of(r)
    run_dir = Path(res["dir"])
    files = files_of(server, project, res["id"])
    for name in ["wandb-metadata.json", "requirements.txt", "config.yaml", "output.log", "wandb-summary.json"]:
        assert name in files, (name, sorted(files))
        assert_stored_as_written(files[name], run_dir / name)
    assert "hello from the run" in download(files["output.log"]).decode()
    assert json.loads(download(files["wandb-summary.json"]))["loss"] == 0.25
    assert "lr" in download(files["config.yaml"]).decode()


def test_saved_file_has_identical_bytes(server, run_script, project):
    r = run_script(server, f"""
        import json, os, wandb
        payload = bytes(range(256)) * 40 + "ünïcode\\n".encode()
        with open("x.txt", "wb") as f:
            f.write(payload)
        os.makedirs("sub", exist_ok=True)
        with open("sub/y.bin", "wb") as f:
            f.write(b"\\x00\\x01binary")
        run = wandb.init(project="{project}")
        wandb.save("x.txt")
        run.save("sub/y.bin", base_path=".")
        print("RESULT " + json.dumps({{"id": run.id, "cwd": os.getcwd()}}))
        run.finish()
    """)
    res = result_of(r)
    files = files_of(server, project, res["id"])
    assert_stored_as_written(files["x.txt"], Path(res["cwd"]) / "x.txt")
    assert_stored_as_written(files["sub/y.bin"], Path(res["cwd"]) / "sub" / "y.bin")


def test_code_saving_stores_the_program(server, run_script, project):
    r = run_script(server, f"""
        import json, os, wandb
        run = wandb.init(project="{project}", save_code=True)
        print("RESULT " + json.dumps({{"id": run.id, "cwd": os.getcwd()}}))
        run.finish()
    """)
    res = result_of(r)
    files = files_of(server, project, res["id"])
    code_files = [n for n in files if n.startswith("code/")]
    assert code_files == ["code/script.py"], sorted(files)
    assert_stored_as_written(files["code/script.py"], Path(res["cwd"]) / "script.py")


def test_forged_upload_token_is_refused_and_stores_nothing(server, project):
    run_id = "forgery"
    server.gql("mutation($p: String, $r: String) { upsertBucket(input: {modelName: $p, name: $r}) { bucket { id } } }",
               {"p": project, "r": run_id})
    data = server.gql("""mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
        createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { files { name uploadUrl } } }""",
                      {"e": "admin", "p": project, "r": run_id, "f": ["forged.txt", "real.txt"]})
    forged_url, real_url = (f["uploadUrl"] for f in data["createRunFiles"]["files"])
    base, token = forged_url.rsplit("/", 1)
    # A token is opaque to clients, but whatever it is, editing it must not grant anything: flip one character,
    # swap the signed part with the real.txt token's, and try a token made up from scratch.
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    real_token = real_url.rsplit("/", 1)[1]
    spliced = real_token.split(".")[0] + "." + token.split(".", 1)[-1]
    for bad in [f"{base}/{flipped}", f"{base}/{spliced}", f"{base}/not-a-token"]:
        put = requests.put(bad, data=b"evil", timeout=10)
        assert put.status_code == 403, (put.status_code, put.text)
    # The URL for another file cannot be used for this one's key, and the real one still works.
    assert requests.put(real_url, data=b"good", timeout=10).status_code == 200
    files = files_of(server, project, run_id)
    assert "forged.txt" not in files
    assert download(files["real.txt"]) == b"good"
    # And the upload URL does not double as a download URL, nor does a tampered download URL work.
    assert requests.get(real_url, timeout=10).status_code in (403, 404, 405)
    head, token, name = files["real.txt"]["url"].rsplit("/", 2)
    tampered = f"{head}/{token[:-1] + ('A' if token[-1] != 'A' else 'B')}/{name}"
    assert requests.get(tampered, timeout=10).status_code == 403


def test_console_lines_and_carriage_returns(server, run_script, project):
    r = run_script(server, f"""
        import json, sys, time, wandb
        run = wandb.init(project="{project}")
        print("out line one")
        print("err line one", file=sys.stderr)
        for i in range(5):
            print(f"\\rprogress {{i * 25}}%", end="", flush=True)
        print()
        print("out line two")
        print("RESULT " + json.dumps({{"id": run.id}}))
        run.finish()
    """)
    run_id = result_of(r)["id"]
    run = server.run("admin", project, run_id, "logLineCount logLines(first: 1000) { edges { node { line level } } }")
    lines = [(e["node"]["line"], e["node"]["level"]) for e in run["logLines"]["edges"]]
    texts = [t for t, _ in lines]
    assert ("out line one", "info") in lines
    assert ("err line one", "error") in lines
    assert texts.count("progress 100%") == 1, texts
    assert not any(t.startswith("progress") and t != "progress 100%" for t in texts), texts
    assert texts.index("out line one") < texts.index("progress 100%") < texts.index("out line two")
    assert run["logLineCount"] == len(lines)
