"""Promotion through a registry with the real SDK: protected aliases, promotion history, time travel, webhooks.

An org with a team: `boss` (org admin) and `mel` (team member, made a member of the `model` registry). Mel logs
a model in the team project and links three versions into acme/wandb-registry-model/churn. Boss promotes
staging -> production; mel may link and set unprotected aliases but gets a 403 on `production` (nothing
changes, no history event). After several promotions, `cairn promotions at` answers what production pointed to
at every moment the history shows. A webhook on the registry receives each promotion, signed with HMAC-SHA256.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import threading
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import CAIRN_BIN, ROOT, CairnServer

SECRET = "e2e-webhook-secret-0123456789"


def _key(output: str) -> str:
    m = re.search(r"API key: (\S+)", output)
    assert m, output
    return m.group(1)


class Receiver:
    """A local HTTP endpoint that records every POST (headers + raw body)."""

    def __init__(self):
        self.calls: list[tuple[dict, bytes]] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with outer.cond:
                    outer.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    outer.cond.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, pred, timeout: float = 30) -> list[tuple[dict, bytes]]:
        """Blocks until pred(calls) holds (deliveries are asynchronous), then returns the calls."""
        with self.cond:
            assert self.cond.wait_for(lambda: pred(self.calls), timeout), f"webhook calls so far: {self.calls}"
            return list(self.calls)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    # Loopback is refused by default: this server allows it so the test's own receiver can be called.
    s = CairnServer(tmp_path_factory.mktemp("promo") / "data", env={
        "CAIRN_WEBHOOK_ALLOW_CIDRS": "127.0.0.0/8", "CAIRN_WEBHOOK_POLL_SECONDS": "0.2",
    }).start()
    suffix = uuid.uuid4().hex[:6]
    n = {k: f"{k}-{suffix}" for k in ("acme", "ml", "boss", "mel")}
    keys = {u: _key(s.cli("users", "create", n[u], "--email", f"{n[u]}@example.com")) for u in ("boss", "mel")}
    s.cli("orgs", "create", n["acme"], "--admin", n["boss"])
    s.cli("teams", "create", n["ml"], "--org", n["acme"])
    s.cli("members", "add", n["ml"], n["mel"], "--role", "member")
    receiver = Receiver()
    yield {"server": s, "names": n, "keys": keys, "receiver": receiver}
    receiver.httpd.shutdown()
    s.stop()


def _result(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("RESULT ")).split(" ", 1)[1]


def _history(s: CairnServer, path: str, alias: str | None = None) -> list[dict]:
    args = ["promotions", "history", path, "--json"] + (["--alias", alias] if alias else [])
    return [json.loads(line) for line in s.cli(*args).splitlines() if line.strip()]


def _at(s: CairnServer, path: str, alias: str, when: str) -> dict:
    return json.loads(s.cli("promotions", "at", path, "--alias", alias, "--time", when, "--json"))


PROMOTE = """
import wandb
api = wandb.Api()
for selector, alias in {moves!r}:
    a = api.artifact("{org}/wandb-registry-model/churn:" + selector)
    a.aliases.append(alias)
    a.save()
print("RESULT ok")
"""


def test_promotion_flow(env, run_script):
    s, n, keys, receiver = env["server"], env["names"], env["keys"], env["receiver"]
    org, reg_path, coll_path = n["acme"], f"{n['acme']}/model", f"{n['acme']}/model/churn"

    # Boss makes mel a member of the model registry (role member: links and sets unprotected aliases).
    mel_id = s.gql("{ viewer { id } }", key=keys["mel"])["viewer"]["id"]
    run_script(s, f"""
import wandb
reg = wandb.Api().registry("model", organization="{org}")
reg.add_members("{mel_id}")
reg.update_member("{mel_id}", "member")
print("RESULT ok")
""", key=keys["boss"])
    # The registry's protected aliases: the defaults.
    assert s.cli("promotions", "protected", reg_path).strip() == "staging, production"

    # Mel logs three versions in the team project and links each into the registry.
    run_script(s, f"""
import wandb
run = wandb.init(entity="{n['ml']}", project="train", id="train-1")
for i in range(3):
    art = wandb.Artifact("churn-model", type="model", metadata={{"accuracy": 0.8 + i / 100}})
    with art.new_file("weights.txt") as f:
        f.write("weights %d" % i)
    run.log_artifact(art)
    art.wait()
    run.link_artifact(art, "{org}/wandb-registry-model/churn", aliases=["candidate-%d" % i])
run.finish()
""", key=keys["mel"])
    links = [e for e in _history(s, coll_path) if e["action"] == "link"]
    assert [e["toVersion"] for e in links] == [0, 1, 2]
    assert {e["actorName"] for e in links} == {n["mel"]}

    # The registry webhook, added before the promotions (a URL to a private address is refused without a call).
    refused = subprocess.run(["node", str(CAIRN_BIN), "webhooks", "add", reg_path, "http://10.1.2.3/hook", "--secret", SECRET,
                              *s.storage_args()], cwd=ROOT, capture_output=True, text=True, env={**os.environ, **s.storage_env(), **s.env})
    assert refused.returncode != 0 and "10.1.2.3" in refused.stderr and "CAIRN_WEBHOOK_ALLOW_CIDRS" in refused.stderr, refused.stderr
    out = s.cli("webhooks", "add", reg_path, receiver.url, "--secret", SECRET)
    hook_id = re.search(r"added webhook (\d+)", out).group(1)

    # Boss promotes v1 to staging, then the staging version to production.
    run_script(s, PROMOTE.format(org=org, moves=[("v1", "staging"), ("staging", "production")]), key=keys["boss"])
    production = _history(s, coll_path, "production")
    assert [(e["action"], e["toVersion"], e["actorName"]) for e in production] == [("alias_add", 1, n["boss"])]

    # Mel, a registry member but not its admin, tries to move production: a clear 403, nothing changes.
    tried = run_script(s, f"""
import wandb
a = wandb.Api().artifact("{org}/wandb-registry-model/churn:v2")
a.aliases.append("production")
try:
    a.save()
    print("RESULT ok")
except Exception as e:
    print("RESULT", type(e).__name__, str(e).replace("\\n", " "), "|", str(e.__cause__ or "").replace("\\n", " "))
""", key=keys["mel"])
    result = _result(tried.stdout)
    assert result != "ok"
    assert "production" in result and "protected alias" in tried.output, tried.output[-3000:]
    assert _history(s, coll_path, "production") == production
    now = datetime.utcnow().isoformat() + "Z"
    assert _at(s, coll_path, "production", now)["version"] == "v1"
    # ... while an unprotected alias is hers to set.
    run_script(s, PROMOTE.format(org=org, moves=[("v2", "challenger")]), key=keys["mel"])
    assert [(e["toVersion"], e["actorName"]) for e in _history(s, coll_path, "challenger")] == [(2, n["mel"])]

    # Several more promotions, then time travel over the whole production history.
    run_script(s, PROMOTE.format(org=org, moves=[("v2", "production"), ("v0", "production"), ("v2", "production")]), key=keys["boss"])
    events = _history(s, coll_path, "production")
    assert [e["toVersion"] for e in events] == [1, 2, 0, 2]
    first = datetime.fromisoformat(events[0]["at"].replace("Z", "+00:00"))
    assert _at(s, coll_path, "production", (first - timedelta(milliseconds=1)).isoformat())["version"] is None
    for i, e in enumerate(events):
        t = datetime.fromisoformat(e["at"].replace("Z", "+00:00"))
        # The state at T is the last event at or before T (several in one millisecond: the last of them).
        expected = [x for x in events if datetime.fromisoformat(x["at"].replace("Z", "+00:00")) <= t][-1]["toVersion"]
        got = _at(s, coll_path, "production", e["at"])
        assert got["version"] == f"v{expected}", (i, e, got)
        if i + 1 < len(events):
            just_before_next = datetime.fromisoformat(events[i + 1]["at"].replace("Z", "+00:00")) - timedelta(milliseconds=1)
            if just_before_next >= t:
                assert _at(s, coll_path, "production", just_before_next.isoformat())["version"] == f"v{expected}"
    # The same answer through GraphQL (the UI's path).
    gql = s.gql("""query($e: String!, $at: String) { aliasAt(entityName: $e, projectName: "wandb-registry-model",
        collectionName: "churn", alias: "production", at: $at) { version since event { actor } } }""",
                {"e": org, "at": events[1]["at"]}, key=keys["mel"])["aliasAt"]
    assert gql["version"] == "v2" and gql["event"]["actor"] == n["boss"]

    # The registry history also has the role changes.
    roles = [e for e in _history(s, reg_path) if e["action"] == "role_change"]
    assert [(e["detail"]["user"], e["detail"]["to"]) for e in roles][-2:] == [(n["mel"], "viewer"), (n["mel"], "member")]

    # Every production move reached the webhook, signed; one body per event.
    moves = [e for e in _history(s, coll_path) if e["action"].startswith("alias_") and e["alias"] in ("staging", "production", "challenger")]
    calls = receiver.wait_for(lambda c: len(c) >= len(moves))
    bodies = []
    for headers, body in calls:
        expected_sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-cairn-signature-256"], expected_sig)
        assert headers["x-cairn-event"] == "promotion"
        bodies.append(json.loads(body))
    # Deliveries run concurrently and retry independently, so arrival order is not event order: receivers
    # order by the event id (the history's order).
    bodies.sort(key=lambda b: b["event"]["id"])
    got = [(b["event"]["alias"], b["event"]["to"]["version"] if b["event"]["to"] else None) for b in bodies if b["event"]["alias"] == "production"]
    assert got == [("production", "v1"), ("production", "v2"), ("production", "v0"), ("production", "v2")]
    last = [b for b in bodies if b["event"]["alias"] == "production"][-1]["event"]
    assert last["organization"] == org and last["registry"] == "model" and last["collection"] == "churn"
    assert last["from"]["version"] == "v0" and last["actor"]["username"] == n["boss"]
    log = s.cli("webhooks", "deliveries", hook_id)
    assert "delivered" in log and "failed" not in log
