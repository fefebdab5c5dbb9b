"""Run state as a user sees it: finished, failed with the exit code, crashed when the process dies, preempted,
stopped from outside, and kept running by heartbeats."""
import time

import pytest
import requests

from conftest import ADMIN_KEY
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

FAST_STREAM = "x_file_stream_transmit_interval=0.2"


def run_id_from(output: str) -> str:
    return next(l.split()[1] for l in output.splitlines() if l.startswith("RUN "))


def state_of(server, project, run_id, fields="state exitcode"):
    return server.run("admin", project, run_id, fields)


def heartbeat(server, project, run_id) -> requests.Response:
    return requests.post(f"{server.url}/files/admin/{project}/{run_id}/file_stream", json={},
                         auth=("api", ADMIN_KEY), timeout=10)


def test_normal_finish_is_finished(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}")
        run.log({{"x": 1}})
        print("RUN", run.id, flush=True)
        run.finish()
    """)
    assert state_of(server, project, run_id_from(r.stdout)) == {"state": "finished", "exitcode": 0}


@pytest.mark.parametrize("ending, exit_code", [
    ("raise ValueError('boom')", 1),
    ("run.finish(exit_code=3)", 3),
    ("import sys; sys.exit(1)", 1),
])
def test_failure_is_failed_with_exit_code(server, run_script, project, ending, exit_code):
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}")
        run.log({{"x": 1}})
        print("RUN", run.id, flush=True)
        {ending}
    """, check=False)
    assert r.returncode == (0 if "finish" in ending else 1), r.output[-3000:]
    assert state_of(server, project, run_id_from(r.stdout)) == {"state": "failed", "exitcode": exit_code}


LOG_FOREVER = """
    import time, wandb
    run = wandb.init(project="{project}", settings=wandb.Settings({settings}))
    print("RUN", run.id, flush=True)
    {before_loop}
    i = 0
    while True:
        run.log({{"i": i}})
        i += 1
        time.sleep(0.1)
"""


def test_killed_process_becomes_crashed_and_a_later_request_revives_it(make_server, spawn_script, run_script, project):
    # wandb-core 0.31 posts file_stream about every 15 s whatever x_file_stream_transmit_interval says, so the
    # timeout must be longer than that for a live process never to look crashed (a 2 s timeout raced it).
    server = make_server(CAIRN_HEARTBEAT_TIMEOUT_SECONDS=20, CAIRN_CRASH_CHECK_INTERVAL_SECONDS=0.5)
    proc = spawn_script(server, LOG_FOREVER.format(project=project, settings=FAST_STREAM, before_loop=""))
    run_id = proc.wait_line("RUN ").split()[1]
    # Logging every 0.1 s keeps file_stream busy, so the short timeout does not fire while it is alive.
    wait_for(lambda: state_of(server, project, run_id, "state historyLineCount")["historyLineCount"] >= 5,
             what="history rows to arrive")
    assert state_of(server, project, run_id)["state"] == "running"

    proc.kill()
    wait_for(lambda: state_of(server, project, run_id)["state"] == "crashed", timeout=60, what="state crashed")

    # Any file_stream request revives it (the network came back).
    assert heartbeat(server, project, run_id).status_code == 200
    assert state_of(server, project, run_id)["state"] == "running"

    # Resuming continues where it stopped and finishes normally.
    logged = state_of(server, project, run_id, "historyLineCount")["historyLineCount"]
    run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="{run_id}", resume="must")
        run.log({{"i": -1}})
        run.finish()
    """)
    assert state_of(server, project, run_id, "state historyLineCount") == {"state": "finished", "historyLineCount": logged + 1}
    steps = [row["_step"] for row in server.history("admin", project, run_id)]
    assert steps == list(range(logged + 1))


def test_preempting_then_silent_becomes_preempted(make_server, spawn_script, project):
    server = make_server(CAIRN_HEARTBEAT_TIMEOUT_SECONDS=2, CAIRN_CRASH_CHECK_INTERVAL_SECONDS=0.5)
    proc = spawn_script(server, LOG_FOREVER.format(project=project, settings=FAST_STREAM,
                                                   before_loop='run.mark_preempting(); print("PREEMPTING", flush=True)'))
    run_id = proc.wait_line("RUN ").split()[1]
    proc.wait_line("PREEMPTING")
    wait_for(lambda: state_of(server, project, run_id)["state"] == "preempting", what="state preempting")
    proc.kill()
    wait_for(lambda: state_of(server, project, run_id)["state"] == "preempted", what="state preempted")


def test_requests_after_preempting_keep_it_preempting(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}")
        print("RUN", run.id, flush=True)
        run.finish()
    """)
    run_id = run_id_from(r.stdout)
    url = f"{server.url}/files/admin/{project}/{run_id}/file_stream"
    post = lambda body: requests.post(url, json=body, auth=("api", ADMIN_KEY), timeout=10)
    assert post({"preempting": True}).status_code == 200
    assert state_of(server, project, run_id)["state"] == "preempting"
    # The process goes on sending data and heartbeats until it is really stopped.
    assert post({}).status_code == 200
    assert post({"files": {"wandb-history.jsonl": {"offset": 1, "content": ['{"_step": 1, "x": 2}']}}}).status_code == 200
    assert state_of(server, project, run_id)["state"] == "preempting"
    assert post({"complete": True, "exitcode": 0}).status_code == 200
    assert state_of(server, project, run_id) == {"state": "finished", "exitcode": 0}


def test_stop_run_stops_the_live_sdk_run(server, spawn_script, project):
    proc = spawn_script(server, f"""
        import time, wandb
        run = wandb.init(project="{project}", settings=wandb.Settings({FAST_STREAM}))
        print("RUN", run.id, flush=True)
        try:
            for i in range(100000):
                run.log({{"i": i}})
                time.sleep(0.1)
            print("NOT STOPPED", flush=True)
        except KeyboardInterrupt:
            print("STOPPED", flush=True)
        run.finish(exit_code=255)
    """)
    run_id = proc.wait_line("RUN ").split()[1]
    storage_id = wait_for(lambda: state_of(server, project, run_id, "id stopped"), what="run to exist")
    assert storage_id["stopped"] is False
    data = server.gql("mutation($id: ID!) { stopRun(input: {id: $id}) { success } }", {"id": storage_id["id"]})
    assert data == {"stopRun": {"success": True}}
    assert state_of(server, project, run_id, "stopped") == {"stopped": True}

    # 0.23 polls every 15 s; both versions raise KeyboardInterrupt in the main thread when told to stop.
    proc.wait_line("STOPPED", timeout=90)
    assert proc.wait(60) == 0, proc.output[-3000:]
    # Stopped from outside and ended with an error: killed, not failed.
    assert state_of(server, project, run_id) == {"state": "killed", "exitcode": 255}


def test_stopped_answer_on_file_stream(server, run_script, project):
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}")
        print("RUN", run.id, flush=True)
        run.finish()
    """)
    run_id = run_id_from(r.stdout)
    assert heartbeat(server, project, run_id).json() == {"stopped": False}
    storage_id = state_of(server, project, run_id, "id")["id"]
    server.gql("mutation($id: ID!) { stopRun(input: {id: $id}) { success } }", {"id": storage_id})
    assert heartbeat(server, project, run_id).json() == {"stopped": True}
    # Old SDKs (0.19-0.22) ask GraphQL instead.
    data = server.gql("query RunStoppedStatus($entityName: String, $projectName: String, $runId: String!) {"
                      " project(name: $projectName, entityName: $entityName) { run(name: $runId) { stopped } } }",
                      {"entityName": "admin", "projectName": project, "runId": run_id})
    assert data == {"project": {"run": {"stopped": True}}}
    # The run ends killed; the request is spent, so resuming it later is not stopped again.
    r = requests.post(f"{server.url}/files/admin/{project}/{run_id}/file_stream", json={"complete": True, "exitcode": 255},
                      auth=("api", ADMIN_KEY), timeout=10)
    assert r.json() == {"stopped": False}
    assert state_of(server, project, run_id) == {"state": "killed", "exitcode": 255}
    assert heartbeat(server, project, run_id).json() == {"stopped": False}


def test_sleeping_sdk_run_stays_running(server, spawn_script, project):
    proc = spawn_script(server, f"""
        import time, wandb
        run = wandb.init(project="{project}")
        print("RUN", run.id, flush=True)
        time.sleep(4)
        run.finish()
    """)
    run_id = proc.wait_line("RUN ").split()[1]
    time.sleep(1)
    assert state_of(server, project, run_id)["state"] == "running"
    assert proc.wait() == 0, proc.output[-3000:]
    assert state_of(server, project, run_id)["state"] == "finished"


def test_heartbeats_keep_a_run_running_until_they_stop(make_server, run_script, project):
    server = make_server(CAIRN_HEARTBEAT_TIMEOUT_SECONDS=2, CAIRN_CRASH_CHECK_INTERVAL_SECONDS=0.5)
    r = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}")
        print("RUN", run.id, flush=True)
        run.finish()
    """)
    run_id = run_id_from(r.stdout)
    # Heartbeats ({} bodies, as the SDK sends when idle) at a quarter of the timeout, for twice the timeout.
    for _ in range(16):
        assert heartbeat(server, project, run_id).status_code == 200
        assert state_of(server, project, run_id)["state"] == "running"
        time.sleep(0.25)
    wait_for(lambda: state_of(server, project, run_id)["state"] == "crashed", what="state crashed")
