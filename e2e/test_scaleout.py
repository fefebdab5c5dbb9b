"""Scale-out guarantees (CAIRN_E2E_SCALEOUT=1, under scripts/with-scaleout.sh): each server here is two `cairn serve`
processes on one PostgreSQL database and one S3 prefix, behind nginx (round-robin).

- A browser's live stream on process B hears a run that streams through process A (LISTEN/NOTIFY fan-out).
- Process A SIGKILLed during a run: the SDK's retries land on B; no history row is lost or duplicated.
- Background jobs run once across processes: a crashed run is marked and alerted exactly once.
(The 2.5 GiB presigned multipart upload going straight to the store is test_s3_direct.py, which in this mode also
checks nginx's access log: no request carried the file's bytes through Cairn.)
"""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from conftest import ADMIN_KEY, SCALEOUT
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)
from test_alerts import SECRET, Receiver, _user

pytestmark = pytest.mark.skipif(not SCALEOUT, reason="needs CAIRN_E2E_SCALEOUT=1 (run under scripts/with-scaleout.sh)")


def backend_url(server, index: int) -> str:
    return f"http://127.0.0.1:{server.backend_ports[index]}"


class LiveStream:
    """The UI's Server-Sent Events stream of one project, read in the background: (event, data) pairs."""

    def __init__(self, url: str):
        self.events: list[tuple[str, dict]] = []
        self.response = requests.get(url, auth=("api", ADMIN_KEY), stream=True, timeout=(10, 120))
        assert self.response.status_code == 200, self.response.text
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = None
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: ") and event:
                    self.events.append((event, json.loads(line[len("data: "):])))
                    event = None
        except requests.RequestException:
            pass  # closed by the test

    def close(self) -> None:
        self.response.close()


def test_live_updates_cross_processes(make_server, run_script, project):
    server = make_server()
    a, b = backend_url(server, 0), backend_url(server, 1)
    run_script(server, f"""
        import wandb
        wandb.init(project="{project}", id="first").finish()
    """, env={"WANDB_BASE_URL": a})
    stream = LiveStream(f"{b}/api/live/projects/admin/{project}?max_seconds=120")
    try:
        wait_for(lambda: any(e == "hello" for e, _ in stream.events), what="the stream's hello")
        # Every byte of this run goes to process A only; the stream is served by B.
        run_script(server, f"""
            import wandb
            run = wandb.init(project="{project}", id="second")
            for i in range(3):
                run.log({{"loss": 1.0 / (i + 1)}})
            run.finish()
        """, env={"WANDB_BASE_URL": a})
        wait_for(lambda: any(e == "history" and d.get("run") == "second" for e, d in stream.events), timeout=30,
                 what="a history update for the run on the other process")
        wait_for(lambda: any(e == "run" and d.get("run") == "second" and d.get("state") == "finished" for e, d in stream.events),
                 timeout=30, what="the run's finished state on the other process")
    finally:
        stream.close()


def test_process_killed_mid_run_sdk_retries_land_on_the_other(make_server, spawn_script, project, tmp_path):
    server = make_server()
    go = tmp_path / "go"
    proc = spawn_script(server, f"""
        import os, time, wandb
        run = wandb.init(project="{project}", id="survivor", settings=wandb.Settings(x_file_stream_transmit_interval=0.2))
        for i in range(100):
            run.log({{"i": i, "sq": i * i}})
            time.sleep(0.01)
        print("HALF", flush=True)
        while not os.path.exists({str(go)!r}):
            time.sleep(0.05)
        for i in range(100, 200):
            run.log({{"i": i, "sq": i * i}})
            time.sleep(0.01)
        run.finish()
        print("DONE", flush=True)
    """)
    proc.wait_line("HALF", timeout=120)
    wait_for(lambda: (server.run("admin", project, "survivor", "historyLineCount") or {}).get("historyLineCount", 0) >= 50,
             timeout=60, what="history to stream through both processes")
    server.kill_backend(0)  # SIGKILL: in-flight requests to it fail; nginx and the SDK retry on the other
    Path(go).write_text("")
    assert proc.wait(300) == 0, proc.output[-6000:]
    rows = server.history("admin", project, "survivor")
    steps = [r["_step"] for r in rows]
    assert steps == list(range(200)), f"lost or duplicated: {sorted(set(range(200)) ^ set(steps))}, {len(steps)} rows"
    assert all(r["sq"] == r["i"] * r["i"] and r["i"] == r["_step"] for r in rows)
    assert server.run("admin", project, "survivor", "state")["state"] == "finished"
    # The survivor served the second half alone: the killed one is really gone.
    assert server.procs[0].poll() is not None and server.procs[1].poll() is None


def _utc(text: str) -> datetime:
    """An ISO time from the API; one without an offset is UTC."""
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def test_crash_detection_and_its_alert_happen_once_across_processes(make_server, spawn_script, project):
    """Both processes run the crash monitor and the webhook dispatcher every 0.5 s / 0.2 s; the run is marked crashed
    once and its alert is delivered once."""
    s = make_server(CAIRN_HEARTBEAT_TIMEOUT_SECONDS=3, CAIRN_CRASH_CHECK_INTERVAL_SECONDS=0.5,
                    CAIRN_WEBHOOK_ALLOW_CIDRS="127.0.0.0/8", CAIRN_WEBHOOK_POLL_SECONDS=0.2)
    user, key = _user(s)
    hook = Receiver()
    try:
        s.cli("alerts", "destinations", "add", user, "webhook", hook.url, "--secret", SECRET)
        s.cli("alerts", "settings", user, "--run-crashed", "on")
        proc = spawn_script(s, f"""
            import time, wandb
            run = wandb.init(entity={user!r}, project={project!r}, id="doomed",
                             settings=wandb.Settings(x_file_stream_transmit_interval=0.2))
            print("RUN", run.id, flush=True)
            while True:
                run.log({{"x": 1}})
                time.sleep(0.1)
        """, key=key)
        proc.wait_line("RUN ")
        wait_for(lambda: (s.run(user, project, "doomed", "historyLineCount") or {}).get("historyLineCount", 0) >= 3,
                 what="history rows to arrive")
        killed_at = datetime.now(timezone.utc)
        proc.kill()

        def after_kill(calls):
            return [(h, json.loads(b)) for h, b in calls
                    if _utc(json.loads(b)["alert"]["createdAt"]) >= killed_at]

        hook.wait_for(lambda c: len(after_kill(c)) >= 1, timeout=60)
        # Several more sweeps and dispatch passes of both processes: a second marking or delivery would show by now.
        time.sleep(3)
        late = after_kill(hook.calls)
        assert len(late) == 1, [b for _, b in late]
        headers, body = late[0]
        assert body["alert"]["title"].startswith("Run crashed") and body["run"]["state"] == "crashed"
        deliveries = [h["x-cairn-delivery"] for h, _ in hook.calls]
        assert len(deliveries) == len(set(deliveries)), deliveries
        alerts = s.run(user, project, "doomed", "alerts { title createdAt }")["alerts"]
        crashed = [a for a in alerts if a["title"].startswith("Run crashed")
                   and _utc(a["createdAt"]) >= killed_at]
        assert len(crashed) == 1, alerts
    finally:
        hook.httpd.shutdown()
