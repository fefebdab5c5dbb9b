"""Offline runs, and runs whose network dropped, uploaded later with the SDK's own `wandb sync`: history,
summary, config, files, console, artifacts and the final state arrive exactly once, and syncing again
changes nothing.

wandb 0.31 syncs through wandb-core (`wandb sync` = the former `wandb beta sync`: upsertBucket by name, whose
historyLineCount becomes the history offset, then file_stream from there). wandb 0.23 replays the file
through the old Python sender (upsertBucket after probing the `ServerSettings` type, file_stream from
offset 0). Both re-send every history row on a second sync; the server keeps one row per step.
"""
from __future__ import annotations

import difflib
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import ADMIN_KEY
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

SDK = tuple(int(x) for x in importlib.metadata.version("wandb").split(".")[:2])
WANDB_CLI = Path(sys.executable).parent / "wandb"
STEPS = 40
REGENERATED = {"config.yaml", "wandb-summary.json"}

RUN_FIELDS = """
    state exitcode historyLineCount logLineCount summaryMetrics config
    files(first: 1000) { edges { node { name sizeBytes md5 } } }
    logLines(first: 10000) { edges { node { line } } }
    outputArtifacts { edges { node { versionIndex digest artifactSequence { name } } } }
    inputArtifacts { edges { node { versionIndex digest artifactSequence { name } } } }
"""


def lines_with(prefix: str, output: str) -> list[str]:
    return [l[len(prefix):] for l in output.splitlines() if l.startswith(prefix)]


def run_dirs(result) -> list[Path]:
    """The local run directories a script printed on its `RUNDIR ` lines."""
    return [Path(p) for p in lines_with("RUNDIR ", result.stdout)]


def run_id_of(run_dir: Path) -> str:
    return run_dir.name.rsplit("-", 1)[1]


def offline_script(project: str, count: int, steps: int = STEPS, extras: bool = False, fail_last: bool = False) -> str:
    """`count` offline runs in one process; `extras` adds a saved file, media and a logged artifact;
    `fail_last` ends the last run with exit code 3."""
    return f"""
        import os, wandb
        for k in range({count}):
            run = wandb.init(project="{project}", config={{"lr": 0.1 * (k + 1), "layers": [1, 2]}}, tags=["offline"])
            for i in range({steps}):
                run.log({{"loss": 1.0 / (i + 1), "acc": i / {steps}, "k": k}})
                print(f"line {{i}} of {{run.id}}")
            run.summary["best"] = 42 + k
            if {extras}:
                with open(os.path.join(run.dir, "notes.txt"), "w") as f:
                    f.write("notes of " + run.id)
                run.save(os.path.join(run.dir, "notes.txt"), base_path=run.dir)
                run.log({{"page": wandb.Html("<b>" + run.id + "</b>"), "tbl": wandb.Table(["a"], [[1], [2]])}})
                src = os.path.join(os.getcwd(), "data-" + run.id + ".txt")
                with open(src, "w") as f:
                    f.write("dataset of " + run.id)
                art = wandb.Artifact("ds-" + run.id, type="dataset")
                art.add_file(src, name="data.txt")
                run.log_artifact(art)
            print("RUNDIR " + os.path.dirname(run.dir), flush=True)
            run.finish(exit_code=3 if {fail_last} and k == {count} - 1 else 0)
    """


def make_offline_runs(server, run_script, code: str) -> list[Path]:
    dirs = run_dirs(run_script(server, code, env={"WANDB_MODE": "offline"}, timeout=300))
    assert dirs and all(d.name.startswith("offline-run-") and list(d.glob("*.wandb")) for d in dirs), dirs
    return dirs


def sync_command(server, *args: str | Path, cwd: Path) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
        "WANDB_BASE_URL": server.url, "WANDB_API_KEY": ADMIN_KEY, "WANDB_CONFIG_DIR": str(cwd / ".config"),
        "WANDB_CACHE_DIR": str(cwd / ".cache"), "WANDB_DATA_DIR": str(cwd / ".data"),
    }
    return subprocess.Popen([str(WANDB_CLI), "sync", *map(str, args)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wandb_sync(server, tmp_path: Path, *args: str | Path) -> str:
    """Runs `wandb sync <args>` to completion in a fresh directory under tmp_path; returns its output."""
    p = sync_command(server, *args, cwd=Path(tempfile.mkdtemp(dir=tmp_path)))
    out, _ = p.communicate(timeout=300)
    assert p.returncode == 0, out[-6000:]
    return out


def snapshot(server, project: str, run_id: str) -> dict:
    """Everything the server holds for a run, in a form two syncs can be compared by."""
    run = server.run("admin", project, run_id, RUN_FIELDS)
    assert run is not None, f"run {run_id} is not on the server"
    artifacts = lambda conn: sorted((e["node"]["artifactSequence"]["name"], e["node"]["versionIndex"], e["node"]["digest"])
                                    for e in conn["edges"])
    config = json.loads(run["config"])
    # What the SDK itself changes between two uploads is left out: wandb-core files the run's environment
    # under the id of the uploading process (new each sync), and the old Python sender adds a telemetry flag
    # (maybe_run_overwrite) when its upsert finds the run. The files it writes afresh on each upload are
    # compared by name: config.yaml holds both, wandb-summary.json comes in any key order (summaryMetrics
    # is compared).
    internal = config.get("_wandb", {}).get("value", {})
    if isinstance(internal.get("e"), dict):
        internal["e"] = list(internal["e"].values())
    internal.pop("t", None)
    files = [(e["node"]["name"], e["node"]["sizeBytes"], e["node"]["md5"]) for e in run["files"]["edges"]]
    return {
        "state": run["state"], "exitcode": run["exitcode"],
        "historyLineCount": run["historyLineCount"], "logLineCount": run["logLineCount"],
        "history": server.history("admin", project, run_id),
        "summary": json.loads(run["summaryMetrics"]),
        "config": config,
        "files": sorted((name, None, None) if name in REGENERATED else (name, size, md5) for name, size, md5 in files),
        "logLines": [e["node"]["line"] for e in run["logLines"]["edges"]],
        "outputArtifacts": artifacts(run["outputArtifacts"]), "inputArtifacts": artifacts(run["inputArtifacts"]),
    }


def assert_unchanged(now: dict, before: dict) -> None:
    for key in before:
        if key == "files":
            assert set(now[key]) == set(before[key]), (set(now[key]) ^ set(before[key]))
        assert now[key] == before[key], (key, "\n".join(difflib.unified_diff(
            json.dumps(before[key], indent=1, sort_keys=True).splitlines(),
            json.dumps(now[key], indent=1, sort_keys=True).splitlines(), lineterm="", n=2)))


def user_config(snap: dict) -> dict:
    return {k: v["value"] for k, v in snap["config"].items() if k != "_wandb"}


def assert_complete_offline_run(snap: dict, run_id: str, k: int, steps: int = STEPS, media: bool = False) -> None:
    rows = snap["history"]
    assert [r["_step"] for r in rows] == list(range(steps + (1 if media else 0)))
    assert [(r["loss"], r["acc"], r["k"]) for r in rows[:steps]] == [(1.0 / (i + 1), i / steps, k) for i in range(steps)]
    assert snap["historyLineCount"] == len(rows)
    assert user_config(snap) == {"lr": 0.1 * (k + 1), "layers": [1, 2]}
    assert snap["summary"]["best"] == 42 + k and snap["summary"]["loss"] == 1.0 / steps
    console = [l for l in snap["logLines"] if l.startswith("line ")]
    assert console == [f"line {i} of {run_id}" for i in range(steps)]


def public_api_view(server, run_script, project: str, run_id: str) -> dict:
    """What wandb.Api (the same SDK) reads back: history, files, a saved file's content, artifacts."""
    r = run_script(server, f"""
        import json, wandb
        api = wandb.Api(timeout=60)
        run = api.run("admin/{project}/{run_id}")
        out = {{
            "state": run.state,
            "steps": [row["_step"] for row in run.scan_history() if "loss" in row],
            "files": sorted(f.name for f in run.files()),
            "notes": open(run.file("notes.txt").download(root="dl", replace=True).name).read(),
            "logged": sorted((a.name.split(":")[0], a.version) for a in run.logged_artifacts()),
            "ds_versions": [a.version for a in api.artifacts("dataset", "admin/{project}/ds-{run_id}")],
        }}
        ds = api.artifact("admin/{project}/ds-{run_id}:latest")
        out["ds_content"] = open(ds.download(root="ds") + "/data.txt").read()
        print("RESULT " + json.dumps(out))
    """)
    return json.loads(lines_with("RESULT ", r.stdout)[0])


def test_offline_runs_sync_once_and_a_second_sync_changes_nothing(server, run_script, tmp_path, project):
    finished, failed = make_offline_runs(server, run_script, offline_script(project, 2, extras=True, fail_last=True))
    ids = [run_id_of(finished), run_id_of(failed)]
    # Nothing reaches the server while offline.
    assert all(server.run("admin", project, i, "id") is None for i in ids)

    wandb_sync(server, tmp_path, finished, failed)
    first = {i: snapshot(server, project, i) for i in ids}

    for k, run_id in enumerate(ids):
        snap = first[run_id]
        assert_complete_offline_run(snap, run_id, k, media=True)
        media = snap["history"][-1]
        assert media["page"]["_type"] == "html-file" and media["tbl"]["_type"] == "table-file"
        names = {name for name, _, _ in snap["files"]}
        assert {"output.log", "notes.txt", "config.yaml", "wandb-summary.json", "wandb-metadata.json",
                media["page"]["path"], media["tbl"]["path"]} <= names, names
        # The logged dataset and the table's run artifact, one version each.
        assert [(n, v) for n, v, _ in snap["outputArtifacts"]] == sorted([(f"ds-{run_id}", 0), (f"run-{run_id}-tbl", 0)])
    assert (first[ids[0]]["state"], first[ids[0]]["exitcode"]) == ("finished", 0)
    if SDK >= (0, 30):
        assert (first[ids[1]]["state"], first[ids[1]]["exitcode"]) == ("failed", 3)
    else:
        # wandb 0.23's Python sync sends a run's exit only when it reads a `final` record, which the logs of
        # wandb-core (0.23's own offline runs) never have: the server is told exit code 0 (an SDK limitation).
        assert (first[ids[1]]["state"], first[ids[1]]["exitcode"]) == ("finished", 0)

    api = public_api_view(server, run_script, project, ids[0])
    assert api["state"] == "finished" and api["steps"] == list(range(STEPS))
    assert "notes.txt" in api["files"] and api["notes"] == f"notes of {ids[0]}"
    assert api["ds_versions"] == ["v0"] and api["ds_content"] == f"dataset of {ids[0]}"
    assert api["logged"] == [[f"ds-{ids[0]}", "v0"], [f"run-{ids[0]}-tbl", "v0"]]

    # Again, forced past the .synced markers: every record is replayed, nothing is stored twice.
    assert all(Path(str(next(d.glob("*.wandb"))) + ".synced").exists() for d in (finished, failed))
    again = wandb_sync(server, tmp_path, "--include-synced", finished, failed)
    assert "Skipped" not in again and "No runs" not in again, again[-3000:]
    for run_id in ids:
        assert_unchanged(snapshot(server, project, run_id), first[run_id])
    assert public_api_view(server, run_script, project, ids[0]) == api


def test_run_whose_network_dropped_syncs_the_rest_once(make_server, spawn_script, tmp_path, project):
    """An online run loses the server half-way (it gives up retrying and finishes); `wandb sync` of its
    directory later uploads what the server missed, and only that."""
    server = make_server()
    go = tmp_path / "go"
    retry = ", ".join(f"{k}={v}" for k, v in {
        "x_file_stream_transmit_interval": 0.2, "x_file_stream_retry_max": 1, "x_graphql_retry_max": 1,
        "x_file_transfer_retry_max": 1, "x_file_stream_retry_wait_min_seconds": 0.2,
        "x_file_stream_retry_wait_max_seconds": 0.5, "x_graphql_retry_wait_min_seconds": 0.2,
        "x_graphql_retry_wait_max_seconds": 0.5, "x_file_transfer_retry_wait_min_seconds": 0.2,
        "x_file_transfer_retry_wait_max_seconds": 0.5,
    }.items())
    proc = spawn_script(server, f"""
        import os, time, wandb
        run = wandb.init(project="{project}", config={{"lr": 0.5}}, settings=wandb.Settings({retry}))
        src = os.path.join(os.getcwd(), "in.txt")
        with open(src, "w") as f:
            f.write("input of " + run.id)
        art = wandb.Artifact("in-" + run.id, type="dataset")
        art.add_file(src)
        run.log_artifact(art).wait()
        run.use_artifact("in-" + run.id + ":latest")
        for i in range(10):
            run.log({{"i": i}})
            print(f"online line {{i}}")
        print("RUN " + run.id, flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.1)
        for i in range(10, 30):
            run.log({{"i": i}})
            print(f"offline line {{i}}")
        run.summary["final"] = 1
        print("RUNDIR " + os.path.dirname(run.dir), flush=True)
        run.finish()
    """)
    run_id = proc.wait_line("RUN ").split()[1]
    wait_for(lambda: server.run("admin", project, run_id, "historyLineCount")["historyLineCount"] == 10,
             what="the first 10 steps on the server")
    server.kill()
    go.touch()
    assert proc.wait(180) == 0, proc.output[-4000:]
    run_dir = Path(proc.wait_line("RUNDIR ").split(" ", 1)[1])
    assert run_dir.name.startswith("run-")

    server.start()
    before = server.run("admin", project, run_id, "state historyLineCount")
    assert before["historyLineCount"] == 10 and before["state"] != "finished"
    # wandb 0.31 skips directories of online runs unless asked; 0.23 syncs any directory it is given.
    wandb_sync(server, tmp_path, "--include-online", run_dir)
    snap = snapshot(server, project, run_id)
    assert [(r["_step"], r["i"]) for r in snap["history"]] == [(i, i) for i in range(30)]
    assert (snap["state"], snap["exitcode"], snap["historyLineCount"]) == ("finished", 0, 30)
    assert snap["summary"]["final"] == 1 and snap["summary"]["i"] == 29
    console = [l for l in snap["logLines"] if l.endswith(tuple(f" line {i}" for i in range(30)))]
    assert console == [f"online line {i}" for i in range(10)] + [f"offline line {i}" for i in range(10, 30)]
    # The artifact logged and used before the drop: still one version, used once. (An artifact logged while
    # the network is down is not in an online run's .wandb file at all, so no sync can bring it.)
    assert snap["outputArtifacts"] == [(f"in-{run_id}", 0, snap["outputArtifacts"][0][2])]
    assert [(n, v) for n, v, _ in snap["inputArtifacts"]] == [(f"in-{run_id}", 0)]

    wandb_sync(server, tmp_path, "--include-online", "--include-synced", run_dir)
    assert_unchanged(snapshot(server, project, run_id), snap)


def test_parallel_syncs_each_arrive_once(server, run_script, tmp_path, project):
    """`wandb sync` processes side by side, one run each, as a user would start them."""
    dirs = make_offline_runs(server, run_script, offline_script(project, 4))
    procs = [sync_command(server, d, cwd=Path(tempfile.mkdtemp(dir=tmp_path))) for d in dirs]
    with ThreadPoolExecutor(len(procs)) as pool:
        results = list(pool.map(lambda p: (p.communicate(timeout=300)[0], p.returncode), procs))
    assert all(code == 0 for _, code in results), [out[-2000:] for out, _ in results]
    for k, d in enumerate(dirs):
        snap = snapshot(server, project, run_id_of(d))
        assert_complete_offline_run(snap, run_id_of(d), k)
        assert (snap["state"], snap["exitcode"]) == ("finished", 0)


def record_spans(data: bytes) -> list[tuple[int, int]]:
    """(payload start, payload length) of each record of a transaction log that fits in its first 32 KiB block
    (leveldb log format: a 7-byte file header, then per record crc32 u32, length u16, type u8, payload)."""
    assert len(data) < 32768, "the runs here are small enough for one block"
    spans, pos = [], 7
    while pos + 7 <= len(data):
        length = int.from_bytes(data[pos + 4:pos + 6], "little")
        spans.append((pos + 7, length))
        pos += 7 + length
    return spans


def garble_in_the_middle(wandb_file: Path) -> None:
    """Overwrites payload bytes of the first sizeable record past the middle with a fixed pattern. Record
    headers stay intact, so both SDKs' readers see a checksum mismatch (wandb 0.23's one-thread batch sync
    dies on a garbled header, and every later run of its batch is left unsynced: an SDK bug)."""
    data = bytearray(wandb_file.read_bytes())
    start, length = next((s, n) for s, n in record_spans(data) if s >= len(data) // 2 and n >= 16)
    n = min(length, 64)
    data[start:start + n] = bytes((i * 37 + 11) % 256 for i in range(n))
    wandb_file.write_bytes(bytes(data))


def truncate_mid_record(wandb_file: Path) -> None:
    """Cuts the file in the middle of a record at about 60%, as a crash while writing would."""
    data = wandb_file.read_bytes()
    start, length = next((s, n) for s, n in record_spans(data) if s >= len(data) * 6 // 10 and n >= 16)
    wandb_file.write_bytes(data[:start + length // 2])


def test_corrupted_files_fail_alone_in_a_batch(server, run_script, tmp_path, project):
    garbled, truncated, healthy = make_offline_runs(server, run_script, offline_script(project, 3))
    garble_in_the_middle(next(garbled.glob("*.wandb")))
    truncate_mid_record(next(truncated.glob("*.wandb")))

    # One `wandb sync` for all three: the healthy run syncs completely whatever happens to the others.
    out = wandb_sync(server, tmp_path, garbled, truncated, healthy)
    assert server.run("admin", project, run_id_of(healthy), "id"), out[-4000:]
    snap = snapshot(server, project, run_id_of(healthy))
    assert_complete_offline_run(snap, run_id_of(healthy), 2)
    assert (snap["state"], snap["exitcode"]) == ("finished", 0)
    assert Path(str(next(healthy.glob("*.wandb"))) + ".synced").exists()

    corrupt = {}
    for d in (garbled, truncated):
        # Neither is marked synced, so a plain `wandb sync` offers it again.
        assert not Path(str(next(d.glob("*.wandb"))) + ".synced").exists()
        partial = snapshot(server, project, run_id_of(d))
        # What was readable before the damage arrived, each step once; never more than the run logged.
        steps = [r["_step"] for r in partial["history"]]
        assert steps == list(range(len(steps))) and 0 < len(steps) < STEPS, steps
        corrupt[d] = partial
    if SDK >= (0, 30):
        # wandb-core names the damage and ends the run as failed (exit code 1), as for a crashed run.
        assert "checksum mismatch" in out, out[-4000:]
        assert any("ERROR" in l and truncated.name in l for l in out.splitlines()), out[-4000:]
        assert all((s["state"], s["exitcode"]) == ("failed", 1) for s in corrupt.values())
    else:
        # The old Python sync warns for each and (an SDK limitation) declares what it read finished.
        assert out.count(".wandb file is incomplete") == 2, out[-4000:]

    # Syncing the batch again stores nothing twice.
    wandb_sync(server, tmp_path, "--include-synced", garbled, truncated, healthy)
    assert_unchanged(snapshot(server, project, run_id_of(healthy)), snap)
    for d, partial in corrupt.items():
        assert snapshot(server, project, run_id_of(d))["history"] == partial["history"]
