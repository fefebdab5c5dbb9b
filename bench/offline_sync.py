"""Benchmark of offline sync: N offline runs uploaded with the SDK's `wandb sync`, one after the other vs
several `wandb sync` processes side by side.

Starts its own Cairn server (embedded default: SQLite + fs blobs), writes N offline runs (WANDB_MODE=offline,
`--steps` rows of `--metrics` metrics each; not timed), then times, each into its own project:
  sequential  one `wandb sync <run dir>` process per run, one at a time
  parallel    the same commands, `--parallel` processes at a time
  one -n P    (wandb >= 0.30 only) a single `wandb sync -n P <all run dirs>` process
and checks that every run arrived with all its rows. Prints the times, runs/s, rows/s and the speed-up.

Usage: .venv-e2e/wandb-0.31.0/bin/python bench/offline_sync.py [--runs 16] [--steps 2000] [--metrics 20] [--parallel 4]
"""
import argparse
import importlib.metadata
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WANDB_CLI = Path(sys.executable).parent / "wandb"

WRITER = """
import os, sys, wandb
count, steps, metrics = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for _ in range(count):
    run = wandb.init(project="offline-bench")
    for i in range(steps):
        run.log({f"m{j}": (i * (j + 1)) % 997 / 997 for j in range(metrics)})
    print("RUNDIR " + os.path.dirname(run.dir), flush=True)
    run.finish()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--metrics", type=int, default=20)
    ap.add_argument("--parallel", type=int, default=4)
    args = ap.parse_args()
    sdk = tuple(int(x) for x in importlib.metadata.version("wandb").split(".")[:2])
    work = Path(tempfile.mkdtemp(prefix="cairn-offline-sync-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    key = "bench" + secrets.token_hex(18)
    server = subprocess.Popen(
        ["node", str(ROOT / "packages/server/bin/cairn.js"), "serve", "--port", str(port), "--data-dir", str(work / "data")],
        env={**os.environ, "CAIRN_ADMIN_KEY": key, "CAIRN_LOG_LEVEL": "warn"}, stdout=subprocess.DEVNULL)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(url + "/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
        env = {**base_env, "WANDB_BASE_URL": url, "WANDB_API_KEY": key, "WANDB_SILENT": "true",
               "WANDB_CONFIG_DIR": str(work / "config"), "WANDB_CACHE_DIR": str(work / "cache"),
               "WANDB_DATA_DIR": str(work / "wandb-data")}

        # Write the offline runs, `--parallel` writer processes at a time (not part of the measurement).
        (work / "writer.py").write_text(WRITER)
        shares = [args.runs // args.parallel + (1 if i < args.runs % args.parallel else 0) for i in range(args.parallel)]
        print(f"writing {args.runs} offline runs x {args.steps} steps x {args.metrics} metrics ...", flush=True)

        def write(i: int) -> list[str]:
            wd = work / f"writer{i}"
            wd.mkdir()
            p = subprocess.run([sys.executable, str(work / "writer.py"), str(shares[i]), str(args.steps), str(args.metrics)],
                               cwd=wd, env={**env, "WANDB_MODE": "offline", "WANDB_DIR": str(wd)},
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"writer failed:\n{p.stdout}\n{p.stderr}")
            return [l.split(" ", 1)[1] for l in p.stdout.splitlines() if l.startswith("RUNDIR ")]

        with ThreadPoolExecutor(args.parallel) as pool:
            dirs = [d for ds in pool.map(write, [i for i, n in enumerate(shares) if n > 0]) for d in ds]
        assert len(dirs) == args.runs, dirs

        def sync(project: str, *paths: str, extra: tuple[str, ...] = ()) -> None:
            # --include-synced: the runs were marked synced by the previous mode.
            p = subprocess.run([str(WANDB_CLI), "sync", "--include-synced", "-p", project, *extra, *paths],
                               cwd=work, env=env, capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"wandb sync failed:\n{p.stdout}\n{p.stderr}")

        def timed(fn) -> float:
            t0 = time.perf_counter()
            fn()
            return time.perf_counter() - t0

        def each_in_parallel(project: str) -> None:
            with ThreadPoolExecutor(args.parallel) as pool:
                list(pool.map(lambda d: sync(project, d), dirs))

        results = {
            "sequential": timed(lambda: [sync("sync-sequential", d) for d in dirs]),
            f"parallel ({args.parallel} processes)": timed(lambda: each_in_parallel("sync-parallel")),
        }
        projects = ["sync-sequential", "sync-parallel"]
        if sdk >= (0, 30):
            results[f"one process, -n {args.parallel}"] = timed(
                lambda: sync("sync-one-process", *dirs, extra=("-n", str(args.parallel))))
            projects.append("sync-one-process")

        # Every run must have arrived with all its rows, in every mode.
        auth = "Basic " + b64encode(f"api:{key}".encode()).decode()
        for project in projects:
            body = json.dumps({"query": "query($p: String) { project(name: $p, entityName: \"admin\") {"
                                        " runs(first: 1000) { edges { node { name state historyLineCount } } } } }",
                               "variables": {"p": project}}).encode()
            req = urllib.request.Request(url + "/graphql", data=body, headers={"Content-Type": "application/json",
                                                                               "Authorization": auth})
            runs = [e["node"] for e in json.load(urllib.request.urlopen(req))["data"]["project"]["runs"]["edges"]]
            bad = [r for r in runs if r["historyLineCount"] != args.steps or r["state"] != "finished"]
            if len(runs) != args.runs or bad:
                raise SystemExit(f"{project}: {len(runs)} runs, incomplete: {bad[:3]}")

        rows = args.runs * args.steps
        print(f"wandb {importlib.metadata.version('wandb')}, {os.cpu_count()} CPUs; {args.runs} runs x {args.steps} steps"
              f" x {args.metrics} metrics = {rows:,} rows; all runs complete in every mode")
        for name, secs in results.items():
            print(f"{name:26s} {secs:7.1f} s  {args.runs / secs:6.2f} runs/s  {rows / secs:9,.0f} rows/s")
        base = results["sequential"]
        for name, secs in list(results.items())[1:]:
            print(f"speed-up, {name}: {base / secs:.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
