"""Helpers for tests that must act while an SDK script is still running: kill it, stop it, restart the server."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from conftest import ADMIN_KEY, CairnServer


def wait_for(check: Callable[[], Any], timeout: float = 30, interval: float = 0.2, what: str = "condition") -> Any:
    """Polls `check` until it returns something truthy; fails with the last value after `timeout` seconds."""
    deadline = time.time() + timeout
    last: Any = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


class SdkProcess:
    """A real SDK script in its own process group (so SIGKILL also takes down its wandb-core service)."""

    def __init__(self, server: CairnServer, code: str, workdir: Path, key: str = ADMIN_KEY, env: dict | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        script = workdir / "script.py"
        script.write_text(textwrap.dedent(code))
        full_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WANDB_")},
            "WANDB_BASE_URL": server.url, "WANDB_API_KEY": key, "WANDB_DIR": str(workdir),
            "WANDB_CONFIG_DIR": str(workdir / ".config"), "WANDB_CACHE_DIR": str(workdir / ".cache"),
            "WANDB_DATA_DIR": str(workdir / ".data"), "WANDB__SERVICE_WAIT": "60", "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc = subprocess.Popen([sys.executable, str(script)], cwd=workdir, env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_line(self, prefix: str, timeout: float = 60) -> str:
        """The first output line starting with `prefix`, waiting for it to appear."""
        def find():
            hit = next((l for l in self.lines if l.startswith(prefix)), None)
            if hit is None and self.proc.poll() is not None:
                self._reader.join(2)
                hit = next((l for l in self.lines if l.startswith(prefix)), None)
                if hit is None:
                    raise AssertionError(f"script exited ({self.proc.returncode}) without {prefix!r}:\n{self.output[-6000:]}")
            return hit
        return wait_for(find, timeout, what=f"output line {prefix!r}")

    def kill(self) -> None:
        """SIGKILL the script and its wandb-core: nothing gets to say goodbye to the server."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code


@pytest.fixture
def spawn_script(tmp_path):
    """Starts SDK scripts in the background; any still alive at teardown are killed."""
    started: list[SdkProcess] = []

    def spawn(server: CairnServer, code: str, key: str = ADMIN_KEY, env: dict | None = None) -> SdkProcess:
        p = SdkProcess(server, code, Path(tempfile.mkdtemp(dir=tmp_path)), key=key, env=env)
        started.append(p)
        return p

    yield spawn
    for p in started:
        p.kill()
