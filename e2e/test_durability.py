"""The server dies (SIGKILL) in the middle of a live run and comes back: the SDK retries and nothing is lost
or stored twice."""
from sdk_proc import spawn_script, wait_for  # noqa: F401  (spawn_script is a fixture)

STEPS = 300

# Short retry waits so the SDK notices the server is back within a second or two (defaults: 2-60 s).
FAST_RETRY = ", ".join(f"{k}={v}" for k, v in {
    "x_file_stream_transmit_interval": 0.2,
    "x_file_stream_retry_wait_min_seconds": 0.5, "x_file_stream_retry_wait_max_seconds": 1,
    "x_graphql_retry_wait_min_seconds": 0.5, "x_graphql_retry_wait_max_seconds": 1,
    "x_file_transfer_retry_wait_min_seconds": 0.5, "x_file_transfer_retry_wait_max_seconds": 1,
}.items())


def test_server_killed_mid_run_loses_nothing(make_server, spawn_script, project):
    server = make_server()
    proc = spawn_script(server, f"""
        import time, wandb
        run = wandb.init(project="{project}", settings=wandb.Settings({FAST_RETRY}))
        print("RUN", run.id, flush=True)
        for i in range({STEPS}):
            run.log({{"i": i, "sq": i * i}})
            if i % 10 == 0:
                print(f"console {{i}}", flush=True)
            if i == {STEPS} // 3:
                print("A THIRD LOGGED", flush=True)
            time.sleep(0.02)
        run.finish()
    """)
    run_id = proc.wait_line("RUN ").split()[1]
    count = lambda: server.run("admin", project, run_id, "historyLineCount")["historyLineCount"]
    wait_for(lambda: count() > 0, what="some history before the crash")
    proc.wait_line("A THIRD LOGGED")
    # Two thirds of the steps are still to be logged: they are logged while the server is down or starting.
    server.kill()
    server.start()
    assert proc.wait(120) == 0, proc.output[-4000:]

    rows = server.history("admin", project, run_id)
    assert [r["_step"] for r in rows] == list(range(STEPS))
    assert all(r["i"] == r["_step"] and r["sq"] == r["i"] ** 2 for r in rows)
    assert server.run("admin", project, run_id, "state historyLineCount") == {"state": "finished", "historyLineCount": STEPS}
    # Console lines too: each once, in order.
    edges = server.run("admin", project, run_id, "logLines(first: 10000) { edges { node { line } } }")["logLines"]["edges"]
    console = [e["node"]["line"] for e in edges if e["node"]["line"].startswith("console ")]
    assert console == [f"console {i}" for i in range(0, STEPS, 10)]


def test_server_restart_between_runs_keeps_everything(make_server, run_script, project):
    server = make_server()
    first = run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="durable")
        for i in range(10):
            run.log({{"i": i}})
        run.finish()
    """)
    server.kill()
    server.start()
    run_script(server, f"""
        import wandb
        run = wandb.init(project="{project}", id="durable", resume="must")
        for i in range(10, 15):
            run.log({{"i": i}})
        run.finish()
    """)
    rows = server.history("admin", project, "durable")
    assert [(r["_step"], r["i"]) for r in rows] == [(i, i) for i in range(15)]
    assert first.returncode == 0
