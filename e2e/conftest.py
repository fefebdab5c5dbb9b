"""Harness: real Cairn server processes and real `wandb` SDK scripts run as subprocesses."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
CAIRN_BIN = ROOT / "packages" / "server" / "bin" / "cairn.js"
ADMIN_KEY = "local-" + "e2e0" * 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CairnServer:
    """A `cairn serve` process on its own port and data dir. Restartable (same data) for crash tests."""

    data_dir: Path
    env: dict = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    #: Set when CAIRN_E2E_DATABASE_URL names a PostgreSQL server: this server's own fresh database.
    database_url: str | None = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def storage_args(self) -> list[str]:
        """The flags that open this server's storage (for the `cairn` CLI too)."""
        args = ["--data-dir", str(self.data_dir)]
        return args + (["--database-url", self.database_url] if self.database_url else [])

    def cli(self, *args: str) -> str:
        """Runs `cairn <args>` against this server's storage; returns stdout."""
        return subprocess.run(["node", str(CAIRN_BIN), *args, *self.storage_args()], cwd=ROOT, capture_output=True,
                              text=True, timeout=60, check=True).stdout

    def start(self) -> "CairnServer":
        admin_url = os.environ.get("CAIRN_E2E_DATABASE_URL")
        if admin_url and not self.database_url:
            name = "cairn_e2e_" + uuid.uuid4().hex[:12]
            subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
            self.database_url = admin_url.rsplit("/", 1)[0] + "/" + name
        env = {**os.environ, "CAIRN_ADMIN_KEY": ADMIN_KEY, "CAIRN_LOG_LEVEL": "warn", **self.env}
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", str(CAIRN_BIN), "serve", "--port", str(self.port), *self.storage_args()],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cairn exited early:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/ready", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("cairn did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def gql(self, query: str, variables: dict | None = None, key: str = ADMIN_KEY) -> dict:
        r = requests.post(self.url + "/graphql", json={"query": query, "variables": variables or {}},
                          auth=("api", key), timeout=30)
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), (r.status_code, body)
        return body["data"]

    def run(self, entity: str, project: str, run_id: str, fields: str) -> dict | None:
        data = self.gql(
            "query($e: String, $p: String, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) { %s } } }"
            % fields, {"e": entity, "p": project, "r": run_id})
        return (data["project"] or {}).get("run")

    def history(self, entity: str, project: str, run_id: str) -> list[dict]:
        run = self.run(entity, project, run_id, "history(samples: 100000)")
        return [json.loads(line) for line in run["history"]]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> CairnServer:
    s = CairnServer(tmp_path_factory.mktemp("cairn") / "data").start()
    yield s
    s.stop()


@pytest.fixture
def make_server(tmp_path):
    """A fresh server with extra CAIRN_* env (e.g. a short heartbeat timeout)."""
    started: list[CairnServer] = []

    def make(**env) -> CairnServer:
        s = CairnServer(tmp_path / f"data{len(started)}", env={k: str(v) for k, v in env.items()}).start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def project() -> str:
    return "e2e-" + uuid.uuid4().hex[:10]


@dataclass
class ScriptResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_script(tmp_path):
    """Runs a Python script that uses the real wandb SDK against a server; returns its result."""

    def run(server: CairnServer, code: str, key: str = ADMIN_KEY, env: dict | None = None,
            timeout: float = 120, check: bool = True) -> ScriptResult:
        workdir = Path(tempfile.mkdtemp(dir=tmp_path))
        script = workdir / "script.py"
        script.write_text(textwrap.dedent(code))
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
            "WANDB_BASE_URL": server.url, "WANDB_API_KEY": key, "WANDB_DIR": str(workdir),
            "WANDB_CONFIG_DIR": str(workdir / ".config"), "WANDB_CACHE_DIR": str(workdir / ".cache"),
            "WANDB_DATA_DIR": str(workdir / ".data"), "WANDB_CONSOLE": "auto",
            "WANDB__SERVICE_WAIT": "60",
            **(env or {}),
        }
        p = subprocess.run([sys.executable, str(script)], cwd=workdir, env=full_env, capture_output=True,
                           text=True, timeout=timeout)
        result = ScriptResult(p.returncode, p.stdout, p.stderr)
        if check:
            assert p.returncode == 0, f"script failed ({p.returncode}):\n{result.output[-6000:]}"
        return result

    return run
