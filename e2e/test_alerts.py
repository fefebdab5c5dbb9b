"""Run alerts with the real SDK: run.alert() reaches a signed generic webhook and a Slack incoming webhook.

Destinations are added per entity with `cairn alerts destinations add`. A repeat of the same title within
wait_duration is suppressed by the server (the SDK sends every call). A destination answering 500 and one that
is unreachable fail (retried, then given up, all logged) while the others still receive. Run-state alerts
(finished, failed) go out when switched on with `cairn alerts settings`. Bad input: a loopback/private webhook
URL is refused on a server without the loopback allowance (nothing is sent), an unknown level is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from conftest import ADMIN_KEY, CAIRN_BIN, ROOT, CairnServer
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

SECRET = "e2e-alert-secret-0123456789"


class Receiver:
    """A local HTTP endpoint that records every POST (headers + raw body) and answers `status`."""

    def __init__(self, status: int = 204, answer: bytes = b""):
        self.calls: list[tuple[dict, bytes]] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with outer.cond:
                    outer.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    outer.cond.notify_all()
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        with self.cond:
            return [json.loads(b) for _, b in self.calls]

    def wait_for(self, pred, timeout: float = 30) -> list[tuple[dict, bytes]]:
        with self.cond:
            assert self.cond.wait_for(lambda: pred(self.calls), timeout), f"calls so far: {self.calls}"
            return list(self.calls)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on return: connecting is refused


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    # Loopback is refused by default: this server allows it so the test's own receivers can be called.
    s = CairnServer(tmp_path_factory.mktemp("alerts") / "data", env={
        "CAIRN_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8", "CAIRN_WEBHOOK_POLL_SECONDS": "0.2",
        "CAIRN_WEBHOOK_RETRY_BASE_SECONDS": "0.2", "CAIRN_WEBHOOK_MAX_ATTEMPTS": "2",
    }).start()
    yield s
    s.stop()


def _user(s: CairnServer) -> tuple[str, str]:
    name = "al-" + uuid.uuid4().hex[:8]
    out = s.cli("users", "create", name, "--email", f"{name}@example.com")
    m = re.search(r"API key: (\S+)", out)
    assert m, out
    return name, m.group(1)


def _alerts(s: CairnServer, entity: str, project: str, run_id: str) -> list[dict]:
    run = s.run(entity, project, run_id, "alerts { id title text level source waitDuration createdAt "
                                          "deliveries { destinationId status attempts lastStatusCode lastError } }")
    assert run is not None
    return run["alerts"]


def _settled(s: CairnServer, entity: str, project: str, run_id: str, n: int, timeout: float = 60) -> list[dict]:
    """The run's alerts once there are n and none of their deliveries is pending (retries have run out)."""
    deadline = time.time() + timeout
    while True:
        alerts = _alerts(s, entity, project, run_id)
        if len(alerts) >= n and all(d["status"] != "pending" for a in alerts for d in a["deliveries"]):
            return alerts
        assert time.time() < deadline, alerts
        time.sleep(0.3)


def _verify(headers: dict, body: bytes) -> dict:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-cairn-signature-256"] == expected
    assert headers["x-cairn-event"] == "run.alert"
    return json.loads(body)


def test_alert_reaches_webhook_and_slack_and_survives_failing_destinations(env, run_script, project):
    s = env
    user, key = _user(s)
    hook, slack, broken = Receiver(), Receiver(200, b"ok"), Receiver(500)
    try:
        ids = {}
        for name, kind, url, extra in [("hook", "webhook", hook.url, ["--secret", SECRET]), ("slack", "slack", slack.url, []),
                                       ("broken", "webhook", broken.url, ["--secret", SECRET]),
                                       ("unreachable", "webhook", f"http://127.0.0.1:{_closed_port()}/x", ["--secret", SECRET])]:
            out = s.cli("alerts", "destinations", "add", user, kind, url, *extra)
            ids[name] = int(re.search(r"destination (\d+)", out).group(1))
        listed = s.cli("alerts", "destinations", "list", user, "--json")
        assert sorted(json.loads(line)["id"] for line in listed.splitlines()) == sorted(ids.values())

        run_script(s, f"""
            import wandb
            from wandb import AlertLevel
            run = wandb.init(entity={user!r}, project={project!r}, id="alerting")
            run.alert(title="loss diverged", text="loss is NaN at step 7", level=AlertLevel.WARN, wait_duration=300)
            run.alert(title="loss diverged", text="again, suppressed", level=AlertLevel.WARN, wait_duration=300)
            run.alert(title="done soon", text="*bold* finish", level=AlertLevel.ERROR, wait_duration=0)
            run.finish()
        """, key=key)

        alerts = _settled(s, user, project, "alerting", 2)
        # Newest first; the repeat within wait_duration was not stored nor sent.
        assert [(a["title"], a["text"], a["level"], a["source"]) for a in alerts] == [
            ("done soon", "*bold* finish", "ERROR", "script"), ("loss diverged", "loss is NaN at step 7", "WARN", "script")]
        assert alerts[1]["waitDuration"] == 300_000
        for a in alerts:
            by_dest = {d["destinationId"]: d for d in a["deliveries"]}
            assert by_dest[ids["hook"]]["status"] == "delivered" and by_dest[ids["slack"]]["status"] == "delivered"
            assert by_dest[ids["broken"]]["status"] == "failed" and by_dest[ids["broken"]]["lastStatusCode"] == 500
            assert by_dest[ids["broken"]]["attempts"] == 2  # retried once, then given up
            assert by_dest[ids["unreachable"]]["status"] == "failed" and by_dest[ids["unreachable"]]["lastError"]

        # The same log from the CLI.
        listed = [json.loads(line) for line in s.cli("alerts", "list", f"{user}/{project}/alerting", "--json").splitlines()]
        assert [(a["title"], sorted(d["status"] for d in a["deliveries"])) for a in listed] == [
            (t, ["delivered", "delivered", "failed", "failed"]) for t in ("done soon", "loss diverged")]

        calls = hook.wait_for(lambda c: len(c) >= 2)
        bodies = sorted((_verify(h, b) for h, b in calls), key=lambda b: b["alert"]["id"])
        assert len(bodies) == 2
        assert [b["alert"]["title"] for b in bodies] == ["loss diverged", "done soon"]
        assert bodies[0]["alert"]["text"] == "loss is NaN at step 7" and bodies[0]["alert"]["level"] == "WARN"
        assert bodies[0]["run"] == {**bodies[0]["run"], "entity": user, "project": project, "id": "alerting"}

        slack.wait_for(lambda c: len(c) >= 2)
        msgs = slack.bodies()
        assert len(msgs) == 2
        for m in msgs:
            assert set(m) == {"text", "blocks"} and isinstance(m["text"], str)
            assert [b["type"] for b in m["blocks"]] == ["header", "section", "context"]
            assert m["blocks"][0]["text"]["type"] == "plain_text"
        assert sorted(m["blocks"][0]["text"]["text"] for m in msgs) == ["done soon", "loss diverged"]
        assert any("loss is NaN at step 7" in m["text"] and "[WARN]" in m["text"] for m in msgs)
        assert len(broken.calls) == 4  # 2 alerts x 2 attempts, each answered 500

        # A removed destination gets nothing more.
        s.cli("alerts", "destinations", "remove", user, str(ids["slack"]))
        assert str(ids["slack"]) not in [line.split("\t")[0] for line in s.cli("alerts", "destinations", "list", user).splitlines()]
    finally:
        for r in (hook, slack, broken):
            r.httpd.shutdown()


def test_run_state_alerts(env, run_script, project):
    s = env
    user, key = _user(s)
    hook = Receiver()
    try:
        s.cli("alerts", "destinations", "add", user, "webhook", hook.url, "--secret", SECRET)
        # Off by default: this run ends without an alert.
        run_script(s, f"""
            import wandb
            wandb.init(entity={user!r}, project={project!r}, id="quiet").finish()
        """, key=key)
        out = s.cli("alerts", "settings", user, "--run-finished", "on", "--run-failed", "on")
        assert "run finished: on" in out and "run failed: on" in out and "run crashed: off" in out
        run_script(s, f"""
            import wandb
            wandb.init(entity={user!r}, project={project!r}, id="ok").finish()
            wandb.init(entity={user!r}, project={project!r}, id="bad").finish(exit_code=3)
        """, key=key)
        calls = hook.wait_for(lambda c: len(c) >= 2)
        bodies = {b["run"]["id"]: b for b in (_verify(h, body) for h, body in calls)}
        assert set(bodies) == {"ok", "bad"}
        assert bodies["ok"]["alert"]["level"] == "INFO" and bodies["ok"]["alert"]["source"] == "run_state"
        assert bodies["ok"]["alert"]["title"].startswith("Run finished")
        assert bodies["bad"]["alert"]["level"] == "ERROR" and bodies["bad"]["alert"]["title"].startswith("Run failed")
        assert "exit code 3" in bodies["bad"]["alert"]["text"]
        assert _alerts(s, user, project, "quiet") == []
        assert [a["source"] for a in _alerts(s, user, project, "bad")] == ["run_state"]
    finally:
        hook.httpd.shutdown()


def test_crashed_run_alert(make_server, spawn_script, project):
    """Heartbeat lost: the crash monitor marks the run crashed and, switched on, an alert goes out."""
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
            i = 0
            while True:
                run.log({{"i": i}})
                i += 1
                time.sleep(0.1)
        """, key=key)
        proc.wait_line("RUN ")
        wait_for(lambda: (s.run(user, project, "doomed", "historyLineCount") or {}).get("historyLineCount", 0) >= 3,
                 what="history rows to arrive")
        # The SDK may pause its stream longer than this short timeout while starting, which is a crash (and an
        # alert) too, revived by its next request: only alerts made after the kill count here.
        killed_at = datetime.now(timezone.utc)
        proc.kill()

        def after_kill(calls):
            return [b for _, b in calls if datetime.fromisoformat(json.loads(b)["alert"]["createdAt"].replace("Z", "+00:00")) >= killed_at]

        calls = hook.wait_for(lambda c: len(after_kill(c)) >= 1, timeout=60)
        body = _verify(*next((h, b) for h, b in calls if b in after_kill(calls)))
        assert body["alert"]["source"] == "run_state" and body["alert"]["level"] == "ERROR"
        assert body["alert"]["title"].startswith("Run crashed") and body["run"]["id"] == "doomed" and body["run"]["state"] == "crashed"
        assert s.run(user, project, "doomed", "state")["state"] == "crashed"
    finally:
        hook.httpd.shutdown()


def test_private_and_loopback_destinations_refused_by_default(server, project):
    """The shared server has no CAIRN_WEBHOOK_ALLOW_CIDRS: loopback and private URLs are refused, nothing sent."""
    receiver = Receiver()
    try:
        for url in (receiver.url, "http://10.1.2.3/hook", "http://[::1]:9/x"):
            p = subprocess.run(["node", str(CAIRN_BIN), "alerts", "destinations", "add", "admin", "webhook", url, "--secret", SECRET,
                                *server.storage_args()], cwd=ROOT, capture_output=True, text=True, timeout=60,
                               env={**os.environ, **server.storage_env()})
            assert p.returncode != 0 and "CAIRN_WEBHOOK_ALLOW_CIDRS" in p.stderr, p.stderr
        r = requests.post(server.url + "/graphql", auth=("api", ADMIN_KEY), timeout=30, json={
            "query": "mutation($u: String!) { addAlertDestination(input: {entityName: \"admin\", kind: \"slack\", url: $u}) { id } }",
            "variables": {"u": receiver.url}})
        assert r.status_code == 400 and "CAIRN_WEBHOOK_ALLOW_CIDRS" in r.json()["errors"][0]["message"], r.text
        assert server.gql('{ entity(name: "admin") { alertDestinations { id url } } }')["entity"]["alertDestinations"] == []
        time.sleep(0.5)
        assert receiver.calls == []
    finally:
        receiver.httpd.shutdown()


def test_unknown_level_refused(server, project):
    server.gql("mutation($p: String) { upsertBucket(input: {modelName: $p, entityName: \"admin\", name: \"r1\"}) { bucket { id } } }",
               {"p": project})
    mutation = ("mutation($s: AlertSeverity) { notifyScriptableRunAlert(input: {entityName: \"admin\", projectName: \"%s\", "
                "runName: \"r1\", title: \"t\", text: \"x\", severity: $s, waitDuration: 0}) { success } }" % project)
    r = requests.post(server.url + "/graphql", auth=("api", ADMIN_KEY), timeout=30, json={"query": mutation, "variables": {"s": "CRITICAL"}})
    assert r.status_code == 400 and "CRITICAL" in r.json()["errors"][0]["message"], r.text
    assert server.run("admin", project, "r1", "alerts { id }")["alerts"] == []
    # A known level is accepted and stored.
    ok = server.gql(mutation, {"s": "WARN"})
    assert ok["notifyScriptableRunAlert"]["success"] is True
    assert [a["level"] for a in server.run("admin", project, "r1", "alerts { level }")["alerts"]] == ["WARN"]
