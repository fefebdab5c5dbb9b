"""Benchmark of the artifacts issue: moving a large artifact through Cairn vs copying it on the same disk.

Starts its own Cairn server (embedded default: SQLite + fs blobs) with its data dir on the same disk as the
test file, then measures in one process, one after the other:
  copy      `cp` of the file to a new path on the same disk, fsync'd (the disk-speed baseline)
  md5       hashing the file once in Python (what the SDK must do before any upload)
  upload    `run.log_artifact` of the file + wait, through the unmodified SDK
  relog     logging the unchanged file again (target: no bytes moved, time ~ hashing)
  download  `use_artifact(...).download()` into an empty dir, fsync'd
Prints each time, MB/s, and the ratios upload/copy and download/copy as speeds (target >= 0.5), relog/md5.

Usage: .venv-e2e/wandb-0.31.0/bin/python bench/artifact_transfer.py [--gib 5] [--dir /path/on/same/disk]
"""
import argparse
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 16 << 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_random_file(path: Path, size: int) -> None:
    # Random bytes so neither the disk nor any layer can compress or skip them.
    block = os.urandom(CHUNK)
    with open(path, "wb") as f:
        written = 0
        while written < size:
            n = min(CHUNK, size - written)
            # Vary every block so content dedup inside one file cannot help either.
            f.write(secrets.token_bytes(32) + block[32:n] if n > 32 else block[:n])
            written += n
        f.flush()
        os.fsync(f.fileno())


def drop_page_cache_hint(path: Path) -> None:
    # Without root we cannot drop caches; advise the kernel instead so reads come from disk where it obeys.
    try:
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    except (AttributeError, OSError):
        pass


def fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            fd = os.open(p, os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)


def dir_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


SDK_SCRIPT = """
import sys, wandb
path, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
run = wandb.init(project="artifact-bench", job_type=mode)
if mode == "download":
    art = run.use_artifact("big:latest")
    art.download(root=out)
else:
    art = wandb.Artifact("big", type="dataset")
    art.add_file(path, name="big.bin")
    logged = run.log_artifact(art)
    logged.wait()
    print("VERSION", logged.version)
run.finish()
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gib", type=float, default=5.0)
    ap.add_argument("--dir", default=None, help="work dir (default: a temp dir under the repo, i.e. the same disk)")
    args = ap.parse_args()
    size = int(args.gib * (1 << 30))
    work = Path(tempfile.mkdtemp(prefix="cairn-artifact-bench-", dir=args.dir or ROOT))
    port = free_port()
    key = "bench" + secrets.token_hex(18)
    server = subprocess.Popen(
        ["node", str(ROOT / "packages/server/bin/cairn.js"), "serve", "--port", str(port), "--data-dir", str(work / "data")],
        env={**os.environ, "CAIRN_ADMIN_KEY": key, "CAIRN_LOG_LEVEL": "warn"}, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        src = work / "big.bin"
        print(f"writing {size / (1 << 30):.2f} GiB of random bytes to {src} ...", flush=True)
        write_random_file(src, size)
        script = work / "sdk.py"
        script.write_text(SDK_SCRIPT)
        env = {**os.environ, "WANDB_BASE_URL": f"http://127.0.0.1:{port}", "WANDB_API_KEY": key,
               "WANDB_DIR": str(work), "WANDB_SILENT": "true", "WANDB_CACHE_DIR": str(work / "cache"),
               "WANDB_ARTIFACT_DIR": str(work / "artifacts")}

        def sdk(mode: str, out: str = "-") -> str:
            p = subprocess.run([sys.executable, str(script), str(src), mode, out], env=env, cwd=work,
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"SDK {mode} failed:\n{p.stdout}\n{p.stderr}")
            return p.stdout

        def copy() -> None:
            shutil.copyfile(src, work / "copy.bin")
            fsync_tree(work)

        def md5() -> None:
            h = hashlib.md5()
            with open(src, "rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)

        results = {}
        drop_page_cache_hint(src)
        results["copy"] = timed(copy)
        (work / "copy.bin").unlink()
        drop_page_cache_hint(src)
        results["md5"] = timed(md5)
        drop_page_cache_hint(src)
        out = {}
        results["upload"] = timed(lambda: out.setdefault("up", sdk("upload")))
        # The SDK keeps a cache copy of uploaded files; clear it so the download really moves bytes.
        shutil.rmtree(work / "cache", ignore_errors=True)
        drop_page_cache_hint(src)
        stored_before = dir_bytes(work / "data")
        results["relog"] = timed(lambda: out.setdefault("relog", sdk("relog")))
        relog_growth = dir_bytes(work / "data") - stored_before
        shutil.rmtree(work / "cache", ignore_errors=True)
        dl = work / "download"
        results["download"] = timed(lambda: (sdk("download", str(dl)), fsync_tree(dl)))
        got = dl / "big.bin"
        if got.stat().st_size != size:
            raise SystemExit("downloaded size differs")
        mb = size / 1e6
        print(f"size {size / (1 << 30):.2f} GiB; versions: upload {out['up'].split()[-1]}, relog {out['relog'].split()[-1]}")
        for name, secs in results.items():
            print(f"{name:9s} {secs:8.1f} s  {mb / secs:8.1f} MB/s")
        print(f"upload speed / copy speed   = {results['copy'] / results['upload']:.2f} (target >= 0.5)")
        print(f"download speed / copy speed = {results['copy'] / results['download']:.2f} (target >= 0.5)")
        print(f"bytes the server stored while relogging: {relog_growth} (blobs are content-addressed)")
        print(f"relog time / md5 time       = {results['relog'] / results['md5']:.2f} (target ~ 1: no bytes moved)")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
