"""Web sessions with plain HTTP (as a browser would) and the real SDK: cookie flags, CSRF, sign-in throttling,
API keys created and revoked from a session, and the audit log that records it all."""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests

from conftest import CAIRN_BIN, ROOT, SCALEOUT, CairnServer

PASSWORD = "s3cret-Passw0rd"


def cairn(server: CairnServer, *args: str, stdin: str | None = None) -> str:
    """`cairn <args>` on the server's storage, with `stdin` piped in (passwords never go on the command line)."""
    p = subprocess.run(["node", str(CAIRN_BIN), *args, *server.storage_args()], cwd=ROOT, input=stdin,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def new_user(server: CairnServer) -> tuple[str, str]:
    """A fresh user with a web password; returns (username, its first API key)."""
    name = "web-" + uuid.uuid4().hex[:8]
    out = cairn(server, "users", "create", name, "--password-stdin", stdin=PASSWORD + "\n")
    key = next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("API key: "))
    return name, key


def sign_in(server: CairnServer, username: str, password: str = PASSWORD, **headers) -> requests.Response:
    return requests.post(server.url + "/api/v1/session", json={"username": username, "password": password},
                         headers=headers, timeout=10)


def audit(server: CairnServer) -> list[dict]:
    return [json.loads(l) for l in cairn(server, "audit", "--json", "--limit", "1000").splitlines()]


def test_sign_in_sets_a_flagged_cookie_and_the_session_works(server):
    user, _ = new_user(server)
    r = sign_in(server, user)
    assert r.status_code == 200, r.text
    cookie_header = r.headers["Set-Cookie"]
    flags = [f.strip() for f in cookie_header.split(";")]
    assert flags[0].startswith("cairn_session=") and len(flags[0]) > len("cairn_session=") + 30
    assert "HttpOnly" in flags and "SameSite=Lax" in flags and "Path=/" in flags
    assert "Secure" not in flags  # plain HTTP here
    body = r.json()
    assert body["user"]["username"] == user and body["csrfToken"]
    assert PASSWORD not in r.text

    # A client cannot claim TLS by itself: X-Forwarded-Proto counts only behind a trusted proxy.
    assert "Secure" not in [f.strip() for f in sign_in(server, user, **{"X-Forwarded-Proto": "https"}).headers["Set-Cookie"].split(";")]

    s = requests.Session()
    s.cookies.set("cairn_session", r.cookies["cairn_session"])
    me = s.get(server.url + "/api/v1/session", timeout=10)
    assert me.status_code == 200 and me.json()["user"]["username"] == user
    assert me.json()["csrfToken"] == body["csrfToken"]
    # Existing API routes accept the session (reads need no CSRF token; GraphQL is a POST, so it does).
    gql = s.post(server.url + "/graphql", json={"query": "{ viewer { username } }"},
                 headers={"X-CSRF-Token": body["csrfToken"]}, timeout=10)
    assert gql.status_code == 200 and gql.json()["data"]["viewer"]["username"] == user
    assert requests.get(server.url + "/api/v1/session", timeout=10).status_code == 401

    actions = [(e["action"], e["target"]) for e in audit(server)]
    assert ("login.success", user) in actions and ("user.create", user) in actions


def test_state_changes_without_the_csrf_token_are_refused(server):
    user, key = new_user(server)
    r = sign_in(server, user)
    csrf = r.json()["csrfToken"]
    s = requests.Session()
    s.cookies.set("cairn_session", r.cookies["cairn_session"])

    refused = s.post(server.url + "/api/v1/keys", json={"name": "forged"}, timeout=10)
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["error"]
    assert s.post(server.url + "/api/v1/keys", json={"name": "forged"}, headers={"X-CSRF-Token": "nope"},
                  timeout=10).status_code == 403
    assert s.post(server.url + "/graphql", json={"query": "{ viewer { username } }"}, timeout=10).status_code == 403
    assert s.delete(server.url + "/api/v1/session", timeout=10).status_code == 403
    # Nothing was created by the refused requests.
    names = [k["name"] for k in s.get(server.url + "/api/v1/keys", timeout=10).json()["keys"]]
    assert "forged" not in names

    # API-key requests carry no cookie and need no CSRF token.
    assert requests.post(server.url + "/api/v1/keys", json={"name": "by-key"}, auth=("api", key), timeout=10).status_code == 201

    # Sign out (with the token): the cookie is cleared and the session is gone.
    out = s.delete(server.url + "/api/v1/session", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert out.status_code == 204
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    again = requests.get(server.url + "/api/v1/session", cookies={"cairn_session": r.cookies["cairn_session"]}, timeout=10)
    assert again.status_code == 401


@pytest.mark.skipif(SCALEOUT, reason="scale-out: the harness nginx serves plain HTTP and sets X-Forwarded-Proto itself "
                    "(no TLS proxy to stand in for); covered by the embedded run")
def test_cookie_is_secure_behind_a_trusted_tls_proxy(make_server):
    server = make_server(CAIRN_TRUST_PROXY="true")
    user, _ = new_user(server)
    flags = [f.strip() for f in sign_in(server, user, **{"X-Forwarded-Proto": "https"}).headers["Set-Cookie"].split(";")]
    assert "Secure" in flags


def test_sign_in_is_throttled_after_failures(make_server):
    server = make_server(CAIRN_LOGIN_MAX_FAILURES_PER_USER=3, CAIRN_LOGIN_WINDOW_SECONDS=600)
    user, _ = new_user(server)
    for i in range(3):
        r = sign_in(server, user, f"wrong-password-{i}")
        assert r.status_code == 401 and r.json()["error"] == "wrong username or password"
    # Now even the right password waits: 429 with a Retry-After within the window.
    r = sign_in(server, user)
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["Retry-After"]) <= 600
    assert "cairn_session" not in r.headers.get("Set-Cookie", "")
    # Another user from the same address is not affected (the per-IP limit is higher).
    other, _ = new_user(server)
    assert sign_in(server, other).status_code == 200
    failures = [e for e in audit(server) if e["action"] == "login.failure"]
    assert len(failures) == 3 and all(e["target"] == user and e["ip"] for e in failures)


def test_a_key_revoked_in_the_ui_is_refused_by_the_sdk_on_its_next_request(server, run_script, project):
    user, _ = new_user(server)
    r = sign_in(server, user)
    headers = {"X-CSRF-Token": r.json()["csrfToken"]}
    cookies = {"cairn_session": r.cookies["cairn_session"]}
    created = requests.post(server.url + "/api/v1/keys", json={"name": "ci"}, headers=headers, cookies=cookies, timeout=10)
    assert created.status_code == 201, created.text
    key, key_id = created.json()["key"], created.json()["id"]
    listed = requests.get(server.url + "/api/v1/keys", cookies=cookies, timeout=10).json()["keys"]
    assert any(k["id"] == key_id and k["revokedAt"] is None for k in listed)
    assert key not in json.dumps(listed)

    script = f"""
        import wandb
        print("VIEWER", wandb.Api(timeout=20).viewer.username, flush=True)
        run = wandb.init(project="{project}")
        run.log({{"x": 1}})
        run.finish()
        print("DONE", flush=True)
    """
    ok = run_script(server, script, key=key)
    assert f"VIEWER {user}" in ok.stdout and "DONE" in ok.stdout

    revoked = requests.delete(f"{server.url}/api/v1/keys/{key_id}", headers=headers, cookies=cookies, timeout=10)
    assert revoked.status_code == 200 and revoked.json()["revokedAt"]
    refused = run_script(server, script, key=key, check=False, timeout=180)
    assert refused.returncode != 0
    assert "VIEWER" not in refused.stdout and "DONE" not in refused.stdout
    assert requests.post(server.url + "/graphql", json={"query": "{ viewer { username } }"}, auth=("api", key),
                         timeout=10).status_code == 401
    actions = [(e["actor"], e["action"]) for e in audit(server)]
    assert (user, "key.create") in actions and (user, "key.revoke") in actions
