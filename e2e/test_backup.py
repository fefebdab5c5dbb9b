"""`cairn backup` while a real SDK run is writing, then `cairn restore` into a new data dir and a server on it:
every row the server had acknowledged before the backup, and every uploaded file byte for byte, is there."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

from conftest import CAIRN_BIN, ROOT, CairnServer
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

pytestmark = pytest.mark.skipif(bool(os.environ.get("CAIRN_E2E_DATABASE_URL")),
                                reason="cairn backup covers embedded SQLite; PostgreSQL uses pg_dump (docs/security.md)")

FILES = "files { edges { node { name url sizeBytes } } }"


def cairn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(CAIRN_BIN), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_backup_during_a_live_run_restores_everything_acknowledged(make_server, spawn_script, project, tmp_path):
    server = make_server()
    stop_file = tmp_path / "stop-logging"
    weights = bytes((i * 31 + 7) % 256 for i in range(200_000))
    proc = spawn_script(server, f"""
        import os, time, wandb
        run = wandb.init(project="{project}", id="live")
        with open("weights.bin", "wb") as f:
            f.write(bytes((i * 31 + 7) % 256 for i in range(200_000)))
        run.save("weights.bin", policy="now")
        print("RUN", run.id, flush=True)
        i = 0
        while not os.path.exists({str(stop_file)!r}) and i < 20000:
            run.log({{"i": i, "half": i / 2}})
            i += 1
            time.sleep(0.01)
        run.finish()
        print("LOGGED", i, flush=True)
    """)
    proc.wait_line("RUN ")
    count = lambda: server.run("admin", project, "live", "historyLineCount")["historyLineCount"]
    wait_for(lambda: count() >= 20, timeout=90, what="rows before the backup")
    uploaded = lambda: {e["node"]["name"]: e["node"] for e in server.run("admin", project, "live", FILES)["files"]["edges"]}
    wait_for(lambda: "weights.bin" in uploaded() and requests.get(uploaded()["weights.bin"]["url"], timeout=10).status_code == 200,
             timeout=60, what="weights.bin uploaded")

    acknowledged = count()
    backup_dir = tmp_path / "backup"
    r = cairn("backup", "--to", str(backup_dir), "--data-dir", str(server.data_dir))
    assert r.returncode == 0, r.stderr
    assert proc.proc.poll() is None, "the run should still be logging while the backup is taken"
    after_backup = count()
    stop_file.write_text("stop")
    assert proc.wait(120) == 0, proc.output[-4000:]
    total = int(proc.wait_line("LOGGED ").split()[1])
    assert after_backup > acknowledged or total > acknowledged  # writes really went on around the backup

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} >= {"cairn.sqlite", "url-signing.secret"}

    # A backup only goes into an empty place; restore refuses a non-empty data dir.
    refused = cairn("restore", "--from", str(backup_dir), "--data-dir", str(server.data_dir))
    assert refused.returncode != 0 and "not empty" in refused.stderr

    restored_dir = tmp_path / "restored" / "data"
    r = cairn("restore", "--from", str(backup_dir), "--data-dir", str(restored_dir))
    assert r.returncode == 0, r.stderr
    restored = CairnServer(restored_dir).start()
    try:
        rows = restored.history("admin", project, "live")
        assert len(rows) >= acknowledged
        assert [(r["_step"], r["i"], r["half"]) for r in rows] == [(i, i, i / 2) for i in range(len(rows))]
        files = {e["node"]["name"]: e["node"] for e in restored.run("admin", project, "live", FILES)["files"]["edges"]}
        body = requests.get(files["weights.bin"]["url"], timeout=10)
        assert body.status_code == 200 and body.content == weights
        # The restored server is a working server: the same SDK run can go on there.
        assert restored.gql("{ viewer { username } }")["viewer"]["username"] == "admin"
    finally:
        restored.stop()

    # The original kept every row of the run.
    assert [r["_step"] for r in server.history("admin", project, "live")] == list(range(total))


def test_backup_refuses_a_non_empty_target_and_postgres(make_server, tmp_path):
    server = make_server()
    target = tmp_path / "occupied"
    target.mkdir()
    (target / "something").write_text("x")
    r = cairn("backup", "--to", str(target), "--data-dir", str(server.data_dir))
    assert r.returncode == 2 and "not empty" in r.stderr
    r = cairn("backup", "--to", str(tmp_path / "pg"), "--database-url", "postgres://nowhere/db")
    assert r.returncode == 2 and "pg_dump" in r.stderr
    assert not (tmp_path / "pg").exists()
