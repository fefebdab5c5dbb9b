"""System metrics sampled by the SDK arrive as wandb-events.jsonl lines and as the run's latest sample."""
import json


def test_system_metrics_are_stored(server, run_script, project):
    r = run_script(server, f"""
        import time, wandb
        run = wandb.init(project="{project}", settings=wandb.Settings(x_stats_sampling_interval=0.5))
        print("RUN", run.id, flush=True)
        for i in range(8):
            run.log({{"i": i}})
            time.sleep(0.5)
        run.finish()
    """)
    run_id = next(l.split()[1] for l in r.stdout.splitlines() if l.startswith("RUN "))
    run = server.run("admin", project, run_id, "events(samples: 1000) eventsLineCount systemMetrics")
    events = [json.loads(line) for line in run["events"]]
    assert len(events) == run["eventsLineCount"] >= 2
    for e in events:
        assert isinstance(e["_timestamp"], float) and e["_runtime"] >= 0
    keys = set().union(*events)
    assert "system.cpu" in keys
    assert any(k.startswith("system.memory") or k.startswith("system.proc.memory") for k in keys), keys
    # Samples are stored in the order they were taken.
    stamps = [e["_timestamp"] for e in events]
    assert stamps == sorted(stamps)
    # systemMetrics holds the latest sample.
    latest = json.loads(run["systemMetrics"])
    assert latest["system.cpu"] == events[-1]["system.cpu"]
