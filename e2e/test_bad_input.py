"""Bad input gets a clear 4xx and stores nothing; retried and overlapping chunks never duplicate rows;
one user cannot see or write another user's entity."""
import json
import re
import subprocess

import pytest
import requests

from conftest import ADMIN_KEY, CAIRN_BIN, ROOT

WRONG_KEY = "local-" + "bad0" * 10


def create_run(server, project: str, name: str = "r1", key: str = ADMIN_KEY) -> requests.Response:
    return requests.post(server.url + "/graphql", auth=("api", key), timeout=10, json={
        "query": "mutation($p: String, $e: String, $n: String) { upsertBucket(input: {modelName: $p, entityName: $e,"
                 " name: $n}) { bucket { id name } } }",
        "variables": {"p": project, "e": "admin", "n": name}})


def stream_url(server, project, run="r1", entity="admin") -> str:
    return f"{server.url}/files/{entity}/{project}/{run}/file_stream"


def post_stream(server, project, body, run="r1", key=ADMIN_KEY, **kw) -> requests.Response:
    return requests.post(stream_url(server, project, run), auth=("api", key), timeout=60, json=body, **kw)


def counts(server, project, run="r1") -> dict:
    return server.run("admin", project, run, "historyLineCount eventsLineCount logLineCount summaryMetrics")


def history_file(offset: int, *lines: dict) -> dict:
    return {"wandb-history.jsonl": {"offset": offset, "content": [json.dumps(l) for l in lines]}}


@pytest.fixture
def run_r1(server, project):
    assert create_run(server, project).status_code == 200
    return "r1"


def error_message(r: requests.Response) -> str:
    body = r.json()
    return body.get("error") or body["errors"][0]["message"]


def test_wrong_key_is_401(server, project, run_r1):
    r = requests.post(server.url + "/graphql", auth=("api", WRONG_KEY), json={"query": "{ viewer { id } }"}, timeout=10)
    assert r.status_code == 401 and "API key" in error_message(r)
    r = post_stream(server, project, {}, key=WRONG_KEY)
    assert r.status_code == 401 and "API key" in error_message(r)
    r = requests.post(stream_url(server, project), json={}, timeout=10)
    assert r.status_code == 401


def test_sdk_with_wrong_key_fails_to_init(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        wandb.init(project="{project}")
    """, key=WRONG_KEY, check=False, timeout=120)
    assert r.returncode != 0
    assert "401" in r.output or "API key" in r.output, r.output[-3000:]


def test_malformed_file_stream_body_is_400(server, project, run_r1):
    r = requests.post(stream_url(server, project), auth=("api", ADMIN_KEY), data=b'{"files": ',
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400 and error_message(r)
    # Valid JSON of the wrong shape: offset must be a number.
    r = post_stream(server, project, {"files": {"wandb-history.jsonl": {"offset": "zero", "content": ["{}"]}}})
    assert r.status_code == 400 and "offset" in error_message(r)
    assert counts(server, project)["historyLineCount"] == 0


@pytest.mark.parametrize("entity, proj, run", [("nobody", None, "r1"), ("admin", "no-such-project", "r1"), ("admin", None, "nope")])
def test_file_stream_to_unknown_target_is_404(server, project, run_r1, entity, proj, run):
    r = requests.post(f"{server.url}/files/{entity}/{proj or project}/{run}/file_stream", auth=("api", ADMIN_KEY),
                      json=history_file(0, {"_step": 0}), timeout=10)
    assert r.status_code == 404 and error_message(r)


def test_bad_history_line_rejects_the_whole_request(server, project, run_r1):
    body = {"files": {
        **history_file(0, {"_step": 0, "x": 1}),
        "wandb-events.jsonl": {"offset": 0, "content": ['{"system.cpu": 1}']},
        "output.log": {"offset": 0, "content": ["2026-01-01T00:00:00.000000 hello"]},
        "wandb-summary.json": {"offset": 0, "content": ['{"x": 1}']},
    }}
    body["files"]["wandb-history.jsonl"]["content"].append("[1, 2]")
    r = post_stream(server, project, body)
    assert r.status_code == 400 and "line 1" in error_message(r)
    body["files"]["wandb-history.jsonl"]["content"][1] = '{"_step": 1, "x": '
    assert post_stream(server, project, body).status_code == 400
    assert counts(server, project) == {"historyLineCount": 0, "eventsLineCount": 0, "logLineCount": 0, "summaryMetrics": "{}"}


def test_line_over_10_mib_is_413_and_nothing_stored(server, project, run_r1):
    huge = json.dumps({"_step": 1, "blob": "x" * (10 * 1024 * 1024)})
    body = {"files": {"wandb-history.jsonl": {"offset": 0, "content": [json.dumps({"_step": 0}), huge]}}}
    r = post_stream(server, project, body)
    assert r.status_code == 413 and "limit" in error_message(r)
    assert counts(server, project)["historyLineCount"] == 0


def test_body_over_configured_limit_is_413(make_server, project):
    server = make_server(CAIRN_FILE_STREAM_BODY_LIMIT=1024 * 1024)
    assert create_run(server, project).status_code == 200
    lines = [{"_step": i, "pad": "y" * 1000} for i in range(2000)]
    r = post_stream(server, project, {"files": history_file(0, *lines)})
    assert r.status_code == 413
    assert counts(server, project)["historyLineCount"] == 0
    # A body under the limit still goes through.
    assert post_stream(server, project, {"files": history_file(0, *lines[:10])}).status_code == 200
    assert counts(server, project)["historyLineCount"] == 10


def test_resent_chunk_stores_rows_once(server, project, run_r1):
    chunk = {"files": history_file(0, *({"_step": i, "x": i} for i in range(5)))}
    for _ in range(3):
        assert post_stream(server, project, chunk).status_code == 200
    assert counts(server, project)["historyLineCount"] == 5
    assert [r["_step"] for r in server.history("admin", project, "r1")] == [0, 1, 2, 3, 4]


def test_overlapping_chunks_keep_one_row_per_line(server, project, run_r1):
    assert post_stream(server, project, {"files": history_file(0, *({"_step": i, "x": i} for i in range(5)))}).status_code == 200
    # Lines 3..7: lines 3 and 4 are already stored and are not written again.
    assert post_stream(server, project, {"files": history_file(3, *({"_step": i, "x": i} for i in range(3, 8)))}).status_code == 200
    rows = server.history("admin", project, "r1")
    assert [(r["_step"], r["x"]) for r in rows] == [(i, i) for i in range(8)]
    assert counts(server, project)["historyLineCount"] == 8


def test_invalid_graphql_is_400_with_message(server):
    r = requests.post(server.url + "/graphql", auth=("api", ADMIN_KEY), json={"query": "{ viewer { noSuchField } }"}, timeout=10)
    assert r.status_code == 400
    assert "noSuchField" in r.json()["errors"][0]["message"]
    r = requests.post(server.url + "/graphql", auth=("api", ADMIN_KEY), json={"query": "{ viewer { "}, timeout=10)
    assert r.status_code == 400 and r.json()["errors"][0]["message"]


def test_upsert_bucket_with_non_json_config_is_400(server, project):
    r = requests.post(server.url + "/graphql", auth=("api", ADMIN_KEY), timeout=10, json={
        "query": "mutation($p: String, $c: JSONString) { upsertBucket(input: {modelName: $p, name: \"r1\", config: $c}) { bucket { id } } }",
        "variables": {"p": project, "c": "{lr: 0.1"}})
    assert r.status_code == 400
    assert "config" in r.json()["errors"][0]["message"] and "JSON" in r.json()["errors"][0]["message"]
    assert server.gql("query($p: String) { project(name: $p, entityName: \"admin\") { id } }", {"p": project})["project"] is None


@pytest.mark.parametrize("name", ["has space", "slash/inside", "a" * 129, "ünïcode"])
def test_invalid_run_id_is_400(server, project, name):
    r = create_run(server, project, name)
    assert r.status_code == 400 and "invalid run id" in r.json()["errors"][0]["message"]


def create_user(server, name: str) -> str:
    out = server.cli("users", "create", name)
    return re.search(r"API key: (\S+)", out).group(1)


def test_other_users_entity_is_invisible(make_server, run_script, project):
    server = make_server()
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="adminrun")
        run.log({{"secret": 1}})
        run.finish()
    """)
    bob = create_user(server, "bob")
    # Bob's own work goes to his entity.
    r = requests.post(server.url + "/graphql", auth=("api", bob), timeout=10, json={
        "query": "mutation($p: String) { upsertBucket(input: {modelName: $p, name: \"b1\"}) { bucket { project { entity { name } } } } }",
        "variables": {"p": project}})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["upsertBucket"]["bucket"]["project"]["entity"]["name"] == "bob"

    # Writing into admin's entity: not found (not even "forbidden": it does not exist for him).
    r = create_run(server, project, "intruder", key=bob)
    assert r.status_code == 404, r.text
    r = post_stream(server, project, {"files": history_file(1, {"_step": 1})}, run="adminrun", key=bob)
    assert r.status_code == 404

    # Reading admin's project and run: nothing there.
    data = server.gql("query($p: String) { project(name: $p, entityName: \"admin\") { id run(name: \"adminrun\") { id } } }",
                      {"p": project}, key=bob)
    assert data == {"project": None}
    # Admin's data is untouched by bob's attempts.
    assert [(row["_step"], row["secret"]) for row in server.history("admin", project, "adminrun")] == [(0, 1)]
    assert server.run("admin", project, "intruder", "id") is None


def test_sdk_with_invalid_run_id_fails_with_the_reason(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        wandb.init(project="{project}", id="has space")
    """, check=False, timeout=120)
    assert r.returncode != 0
    assert "invalid run id" in r.output, r.output[-3000:]
