"""Logging in: `wandb login --host`, wrong keys, and the queries the SDK makes first.

WANDB_BASE_URL + WANDB_API_KEY is how every other e2e script reaches the server (conftest.run_script).
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
import wandb

from conftest import ADMIN_KEY

WRONG_KEY = "local-" + "bad0" * 10
WANDB_CLI = str(Path(sys.executable).parent / "wandb")
SDK_VERSION = tuple(int(p) for p in wandb.__version__.split(".")[:2])


def clean_env(home: Path, **extra: str) -> dict:
    """An environment with no W&B credentials or settings but those given: HOME (netrc) and config in `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_") and k != "NETRC"}
    env.update({
        "HOME": str(home), "NETRC": str(home / ".netrc"), "WANDB_CONFIG_DIR": str(home / ".config" / "wandb"),
        "WANDB_DIR": str(home), "WANDB_CACHE_DIR": str(home / ".cache"), "WANDB_DATA_DIR": str(home / ".data"),
        "WANDB__SERVICE_WAIT": "60",
    })
    env.update(extra)
    return env


def run_python(code: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def project_exists(server, project: str) -> bool:
    return server.gql("query($p: String) { project(name: $p, entityName: \"admin\") { id } }", {"p": project})["project"] is not None


@pytest.mark.skipif(SDK_VERSION < (0, 24), reason="wandb<0.24 writes the netrc entry as host:port but looks it up "
                    "by host alone (requests.get_netrc_auth strips the port), so a saved key for a server on a port "
                    "is never found")
def test_cli_login_then_script_without_api_key(server, project, tmp_path):
    env = clean_env(tmp_path)
    login = subprocess.run([WANDB_CLI, "login", "--host", server.url, ADMIN_KEY], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert login.returncode == 0, login.stdout + login.stderr
    # The key went to the netrc for this host; the host to the settings file.
    assert ADMIN_KEY in (tmp_path / ".netrc").read_text()

    script = run_python(f"""
        import wandb
        run = wandb.init(project="{project}")
        run.log({{"x": 1}})
        print("RUN", run.id)
        run.finish()
    """, env, tmp_path)
    assert script.returncode == 0, script.stdout + script.stderr
    run_id = next(l.split()[1] for l in script.stdout.splitlines() if l.startswith("RUN "))
    assert server.run("admin", project, run_id, "state historyLineCount") == {"state": "finished", "historyLineCount": 1}


def test_cli_login_with_wrong_key_fails(server, tmp_path):
    env = clean_env(tmp_path)
    # Older CLIs only store the key unless asked to check it; newer ones check by default.
    login = subprocess.run([WANDB_CLI, "login", "--verify", "--host", server.url, WRONG_KEY], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    output = login.stdout + login.stderr
    assert login.returncode != 0, output
    # The server's own explanation reaches the user.
    assert "invalid API key" in output, output
    netrc = tmp_path / ".netrc"
    assert not netrc.exists() or WRONG_KEY not in netrc.read_text()


def test_wrong_key_init_fails_and_creates_nothing(server, project, tmp_path):
    env = clean_env(tmp_path, WANDB_BASE_URL=server.url, WANDB_API_KEY=WRONG_KEY)
    script = run_python(f"""
        import wandb
        run = wandb.init(project="{project}")
        run.log({{"x": 1}})
        run.finish()
    """, env, tmp_path)
    output = script.stdout + script.stderr
    assert script.returncode != 0, output
    assert "invalid API key" in output, output[-3000:]
    assert not project_exists(server, project)


def test_wrong_key_is_http_401_with_message(server):
    r = requests.post(server.url + "/graphql", json={"query": "{ viewer { id } }"}, auth=("api", WRONG_KEY), timeout=10)
    assert r.status_code == 401
    assert "API key" in r.text
    r = requests.post(server.url + "/graphql", json={"query": "{ viewer { id } }"}, timeout=10)
    assert r.status_code == 401


def test_viewer_and_server_info(server):
    data = server.gql("""
        query {
          viewer { id entity username email flags teams { edges { node { name } } } }
          serverInfo { cliVersionInfo latestLocalVersionInfo { outOfDate latestVersionString versionOnThisInstanceString }
                       features { name isEnabled } }
        }""")
    assert data["viewer"]["entity"] == "admin" and data["viewer"]["username"] == "admin"
    assert data["viewer"]["flags"] is not None
    info = data["serverInfo"]
    assert info["cliVersionInfo"] and "max_cli_version" in info["cliVersionInfo"]
    assert isinstance(info["features"], list)
    assert all(isinstance(f["name"], str) and isinstance(f["isEnabled"], bool) for f in info["features"])


def test_introspection_of_input_type(server):
    data = server.gql('query { __type(name: "UpsertBucketInput") { inputFields { name } } }')
    names = {f["name"] for f in data["__type"]["inputFields"]}
    assert {"id", "name", "modelName", "entityName", "config", "tags", "notes", "groupName", "jobType"} <= names


def test_empty_operation_name_is_accepted(server):
    r = requests.post(server.url + "/graphql", json={"query": "query Viewer { viewer { entity } }", "variables": {},
                                                     "operationName": ""}, auth=("api", ADMIN_KEY), timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["viewer"]["entity"] == "admin"
