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

# Wrapper scripts (with-s3.sh, with-postgres.sh, ...) run pytest as a background job, and a non-interactive shell
# starts background jobs with SIGINT ignored; an ignored signal stays ignored across exec, so every SDK script
# would inherit it and Python would install no KeyboardInterrupt handler — the SDK stops a run (stopRun) by
# interrupting the main thread, which then does nothing. A handled signal is reset to the default on exec.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
CAIRN_BIN = ROOT / "packages" / "server" / "bin" / "cairn.js"
ADMIN_KEY = "local-" + "e2e0" * 10


#: CAIRN_E2E_SCALEOUT=1 (scripts/with-scaleout.sh): each server is two processes behind nginx, on PostgreSQL + S3.
SCALEOUT = os.environ.get("CAIRN_E2E_SCALEOUT") == "1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Nginx:
    """nginx as the load balancer of a scale-out server: runs as the current user with its own prefix, config, logs
    and temp dirs (nothing under /etc or /var), round-robin over the backends, streaming bodies both ways (no
    buffering: the SDK's uploads and file_stream go through as they come). The access log records each request's
    body size ($request_length) and the backend that served it."""

    def __init__(self, prefix: Path, port: int, backends: list[int]):
        self.prefix, self.port, self.backends = prefix, port, backends
        self.proc: subprocess.Popen | None = None
        self.access_log = prefix / "access.log"

    def config(self) -> str:
        p = self.prefix
        listen = f"listen 127.0.0.1:{self.port};" + (f" listen [::1]:{self.port};" if _ipv6_loopback() else "")
        upstreams = " ".join(f"server 127.0.0.1:{b} max_fails=0;" for b in self.backends)
        return textwrap.dedent(f"""
            {"user root;" if os.geteuid() == 0 else ""}
            worker_processes 1;
            daemon off;
            pid {p}/nginx.pid;
            error_log {p}/error.log warn;
            events {{ worker_connections 1024; }}
            http {{
              client_body_temp_path {p}/tmp/body; proxy_temp_path {p}/tmp/proxy; fastcgi_temp_path {p}/tmp/fastcgi;
              uwsgi_temp_path {p}/tmp/uwsgi; scgi_temp_path {p}/tmp/scgi;
              log_format cairn '$remote_addr "$request" $status req_bytes=$request_length sent_bytes=$bytes_sent upstream=$upstream_addr request_time=$request_time';
              access_log {self.access_log} cairn;
              upstream cairn {{ {upstreams} keepalive 32; }}
              server {{
                {listen}
                client_max_body_size 0;
                proxy_request_buffering off;
                proxy_buffering off;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_set_header Host $http_host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_read_timeout 3600s;
                proxy_send_timeout 3600s;
                location / {{ proxy_pass http://cairn; }}
              }}
            }}
            """)

    def start(self) -> "Nginx":
        (self.prefix / "tmp").mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config())
        binary = os.environ.get("CAIRN_E2E_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([binary, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=open(self.prefix / "stderr.log", "ab"))
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'stderr.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
    #: Set when CAIRN_E2E_BLOB_BACKEND=s3: this server's own folder in the bucket of scripts/with-s3.sh.
    s3_prefix: str | None = None
    #: Every `cairn serve` process of this server (two in scale-out mode), and the nginx in front of them.
    procs: list = field(default_factory=list)
    backend_ports: list = field(default_factory=list)
    nginx: "Nginx | None" = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def storage_args(self) -> list[str]:
        """The flags that open this server's storage (for the `cairn` CLI too)."""
        args = ["--data-dir", str(self.data_dir)]
        return args + (["--database-url", self.database_url] if self.database_url else [])

    def storage_env(self) -> dict:
        """Env that puts this server's blobs in S3 (CAIRN_E2E_BLOB_BACKEND=s3, run under scripts/with-s3.sh);
        empty for the fs default. Each server gets its own prefix: gc on one must not see another's blobs."""
        if os.environ.get("CAIRN_E2E_BLOB_BACKEND") != "s3":
            return {}
        if not self.s3_prefix:
            self.s3_prefix = "e2e-" + uuid.uuid4().hex[:12]
        # Scale-out: every process (and the CLI) signs URLs with one secret, as docs/deploy.md says to set it.
        scaleout = {"CAIRN_URL_SIGNING_SECRET": "e2e-signing-" + self.s3_prefix} if SCALEOUT else {}
        e = os.environ
        return {
            "CAIRN_BLOB_BACKEND": "s3", "CAIRN_S3_ENDPOINT": e["CAIRN_TEST_S3_ENDPOINT"], "CAIRN_S3_BUCKET": e["CAIRN_TEST_S3_BUCKET"],
            "CAIRN_S3_REGION": e.get("CAIRN_TEST_S3_REGION", "us-east-1"), "CAIRN_S3_FORCE_PATH_STYLE": "true",
            "CAIRN_S3_ACCESS_KEY_ID": e["CAIRN_TEST_S3_ACCESS_KEY_ID"], "CAIRN_S3_SECRET_ACCESS_KEY": e["CAIRN_TEST_S3_SECRET_ACCESS_KEY"],
            "CAIRN_S3_PREFIX": self.s3_prefix, **scaleout,
        }

    def blobs(self, prefix: str = "") -> dict[str, int]:
        """This server's stored blobs whose key starts with `prefix` (key -> size), on fs or in S3."""
        env = self.storage_env()
        if not env:
            root = self.data_dir / "blobs"
            found = (p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != ".tmp") if root.exists() else ()
            return {k: p.stat().st_size for p in found if (k := p.relative_to(root).as_posix()).startswith(prefix)}
        script = """
        const { S3Client, ListObjectsV2Command } = require("@aws-sdk/client-s3");
        const e = process.env, root = e.CAIRN_S3_PREFIX + "/";
        const s3 = new S3Client({ endpoint: e.CAIRN_S3_ENDPOINT, region: e.CAIRN_S3_REGION, forcePathStyle: true,
          credentials: { accessKeyId: e.CAIRN_S3_ACCESS_KEY_ID, secretAccessKey: e.CAIRN_S3_SECRET_ACCESS_KEY } });
        (async () => {
          const out = {};
          let token;
          do {
            const page = await s3.send(new ListObjectsV2Command({ Bucket: e.CAIRN_S3_BUCKET, Prefix: root + process.argv[1], ContinuationToken: token }));
            for (const o of page.Contents ?? []) out[o.Key.slice(root.length)] = o.Size;
            token = page.IsTruncated ? page.NextContinuationToken : undefined;
          } while (token);
          console.log(JSON.stringify(out));
          s3.destroy();
        })();
        """
        out = subprocess.run(["node", "-e", script, prefix], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
                             env={**os.environ, **env, "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true"})
        return json.loads(out.stdout)

    def cli(self, *args: str) -> str:
        """Runs `cairn <args>` against this server's storage; returns stdout."""
        # The server's own settings too (e.g. CAIRN_WEBHOOK_ALLOW_CIDRS): the CLI acts on the same installation.
        return subprocess.run(["node", str(CAIRN_BIN), *args, *self.storage_args()], cwd=ROOT, capture_output=True,
                              env={**os.environ, **self.storage_env(), **self.env}, text=True, timeout=60, check=True).stdout

    def start(self) -> "CairnServer":
        admin_url = os.environ.get("CAIRN_E2E_DATABASE_URL")
        if admin_url and not self.database_url:
            name = "cairn_e2e_" + uuid.uuid4().hex[:12]
            subprocess.run(["psql", admin_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
            self.database_url = admin_url.rsplit("/", 1)[0] + "/" + name
        env = {**os.environ, "CAIRN_ADMIN_KEY": ADMIN_KEY, "CAIRN_LOG_LEVEL": os.environ.get("CAIRN_E2E_LOG_LEVEL", "warn"), **self.storage_env(), **self.env}
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"
        if SCALEOUT:
            try:
                return self._start_scaleout(env)
            except BaseException:
                self.kill()  # a process that came up must not outlive a failed start
                raise
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", str(CAIRN_BIN), "serve", "--port", str(self.port), *self.storage_args()],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        self.procs = [self.proc]
        self._wait_ready(self.url, self.procs)
        return self

    def _wait_ready(self, url: str, procs: list) -> None:
        # Generous: e2e runs several workers on a 2-core CI machine, and in scale-out two processes start (and
        # migrate a fresh database) at once.
        deadline = time.time() + 120
        while time.time() < deadline:
            for p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"cairn exited early:\n{self.log_path.read_text()}")
            try:
                if requests.get(url + "/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError("cairn did not become ready")

    def _start_scaleout(self, env: dict) -> "CairnServer":
        """CAIRN_E2E_SCALEOUT=1: two `cairn serve` processes on one database and S3 prefix, started at the same time
        (migrations and first-start setup race, as in a real rollout), and nginx on this server's port in front,
        round-robin. Both write to the one log file (O_APPEND: whole lines)."""
        if not self.backend_ports:
            self.backend_ports = [free_port(), free_port()]
        self.procs = []
        for i, port in enumerate(self.backend_ports):
            log = open(self.log_path, "ab")
            # Each process its own data dir, as on separate machines: nothing shared but the database and the bucket.
            own = ["--data-dir", str(self.data_dir / f"process{i}")] + (["--database-url", self.database_url] if self.database_url else [])
            self.procs.append(subprocess.Popen(
                ["node", str(CAIRN_BIN), "serve", "--host", "127.0.0.1", "--port", str(port), *own],
                env={"CAIRN_TRUST_PROXY": "true", **env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            ))
        self.proc = self.procs[0]
        for port in self.backend_ports:
            self._wait_ready(f"http://127.0.0.1:{port}", self.procs)
        self.nginx = Nginx(self.data_dir.parent / f"nginx-{self.port}", self.port, self.backend_ports).start()
        self._wait_ready(self.url, self.procs)
        return self

    def kill_backend(self, index: int) -> None:
        """Scale-out: SIGKILL one of the processes behind nginx (the other keeps serving)."""
        p = self.procs[index]
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a crash (scale-out: every process, and the proxy)."""
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        if self.nginx:
            self.nginx.stop()

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.nginx:
            self.nginx.stop()

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
