"""Overload and request budgets against the real SDK: the server answers 429 (with Retry-After and the
RateLimit-* headers wandb-core reads), stays up, and the SDK's run still arrives whole, no row lost or doubled."""
from __future__ import annotations

import json
import subprocess
import threading
from collections import Counter

import requests

from conftest import ADMIN_KEY, CAIRN_BIN, ROOT, CairnServer
from sdk_proc import spawn_script  # noqa: F401  (a fixture)

STEPS = 200
# Send file_stream every second (wandb-core reads these as whole seconds), retry soon after a refusal.
FAST = ", ".join(f"{k}={v}" for k, v in {
    "x_file_stream_transmit_interval": 1,
    "x_file_stream_retry_wait_min_seconds": 1, "x_file_stream_retry_wait_max_seconds": 2,
    "x_graphql_retry_wait_min_seconds": 1, "x_graphql_retry_wait_max_seconds": 2,
}.items())


def user_key(server: CairnServer) -> str:
    """A non-admin user's key, so the budget the SDK uses up is not the one the checks below use."""
    out = subprocess.run(["node", str(CAIRN_BIN), "users", "create", "limited", *server.storage_args()], cwd=ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return next(l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("API key: "))


def log_events(server: CairnServer) -> list[dict]:
    out = []
    for line in server.log_path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def logging_script(project: str, steps: int = STEPS) -> str:
    return f"""
        import time, wandb
        run = wandb.init(project="{project}", id="limited-run", settings=wandb.Settings({FAST}))
        for i in range({steps}):
            run.log({{"i": i, "sq": i * i}})
            time.sleep(0.025)  # ~5 s of logging: a file_stream request a second, against a budget of 2 per 3 s
        run.finish()
        print("FINISHED", flush=True)
    """


def assert_every_row_once(server: CairnServer, entity: str, project: str, steps: int = STEPS) -> None:
    rows = server.history(entity, project, "limited-run")
    assert [r["_step"] for r in rows] == list(range(steps))
    assert all(r["i"] == r["_step"] and r["sq"] == r["i"] ** 2 for r in rows)
    assert server.run(entity, project, "limited-run", "state historyLineCount") == {"state": "finished", "historyLineCount": steps}


def test_rate_limited_file_stream_loses_and_doubles_nothing(make_server, run_script, project):
    # wandb-core retries a 429 after Retry-After, and paces itself by RateLimit-Remaining / RateLimit-Reset.
    server = make_server(CAIRN_RATE_LIMIT_REQUESTS=2, CAIRN_RATE_LIMIT_WINDOW_SECONDS=3, CAIRN_LOG_LEVEL="info")
    key = user_key(server)

    # What the SDK sees: the budget headers on every answer, then 429 + Retry-After.
    answers = [requests.post(server.url + "/graphql", json={"query": "{ viewer { username } }"}, auth=("api", key),
                             timeout=10) for _ in range(4)]
    assert [a.status_code for a in answers][:1] == [200] and 429 in [a.status_code for a in answers]
    assert all("RateLimit-Remaining" in a.headers and "RateLimit-Reset" in a.headers for a in answers)
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.headers["RateLimit-Remaining"] == "0" and int(limited.headers["Retry-After"]) >= 1

    r = run_script(server, logging_script(project), key=key, timeout=300)
    assert "FINISHED" in r.stdout
    assert_every_row_once(server, "limited", project)

    # The server really refused file_stream requests along the way.
    refused = [e for e in log_events(server) if e.get("msg") == "request budget exceeded"]
    assert any(e.get("group") == "file_stream" for e in refused), Counter(e.get("group") for e in refused)


def test_overload_is_shed_with_429_and_the_sdk_run_completes(make_server, spawn_script, project):
    server = make_server(CAIRN_MAX_INFLIGHT_GRAPHQL=2, CAIRN_MAX_INFLIGHT_FILE_STREAM=1)
    statuses: Counter = Counter()
    errors: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def hammer():
        with requests.Session() as s:
            while not stop.is_set():
                try:
                    r = s.post(server.url + "/graphql", json={"query": "{ viewer { username } }"}, auth=("api", ADMIN_KEY),
                               timeout=30)
                    with lock:
                        statuses[r.status_code] += 1
                        if r.status_code == 429 and not r.headers.get("Retry-After", "").isdigit():
                            errors.append("429 without Retry-After")
                except requests.RequestException as e:  # a refused or dropped connection would be a failure
                    with lock:
                        errors.append(repr(e))

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(24)]
    for t in threads:
        t.start()
    proc = spawn_script(server, logging_script(project))
    try:
        # Far beyond capacity for a while, the SDK run starting in the middle of it.
        stop.wait(4)
    finally:
        stop.set()
        for t in threads:
            t.join(35)
    assert proc.wait(240) == 0, proc.output[-4000:]
    assert "FINISHED" in proc.output

    assert not errors, errors[:5]
    assert statuses[429] > 0 and statuses[200] > 0, statuses
    assert set(statuses) <= {200, 429}, statuses
    assert requests.get(server.url + "/ready", timeout=5).status_code == 200
    assert_every_row_once(server, "admin", project)
