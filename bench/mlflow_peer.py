"""Benchmark (e), MLflow side: the ingest and history read of bench/ingest.mjs against `mlflow server`.

R runs log S steps x M metrics concurrently (one thread per run, log_batch of `--rows` steps at a time, as
ingest.mjs sends `--rows` lines per file_stream request); then one metric's full history is read back.
Usage: python bench/mlflow_peer.py --url http://127.0.0.1:5000 [--runs 100 --steps 1000 --metrics 100 --rows 100]
"""
import argparse
import math
import statistics
import threading
import time

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--metrics", type=int, default=100)
    ap.add_argument("--rows", type=int, default=100)
    a = ap.parse_args()
    client = MlflowClient(tracking_uri=a.url)
    exp = client.create_experiment(f"ingest-{time.time()}")
    runs = [client.create_run(exp).info.run_id for _ in range(a.runs)]
    latencies: list[float] = []
    lock = threading.Lock()

    def drive(run_id: str) -> None:
        # MLflow caps a batch at 1000 metrics: split each request's rows into batches of that size.
        for offset in range(0, a.steps, a.rows):
            metrics = [Metric(f"train/metric_{m}", math.sin(step / 100 + m), 1_700_000_000_000 + step, step)
                       for step in range(offset, min(offset + a.rows, a.steps)) for m in range(a.metrics)]
            t0 = time.perf_counter()
            for i in range(0, len(metrics), 1000):
                client.log_batch(run_id, metrics=metrics[i:i + 1000])
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    values = a.runs * a.steps * a.metrics
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"mlflow: {a.runs} runs x {a.steps} steps x {a.metrics} metrics: {values:,} values in {seconds:.1f} s, "
          f"{values / seconds:,.0f} values/s, request p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    t0 = time.perf_counter()
    history = client.get_metric_history(runs[0], "train/metric_0")
    print(f"mlflow: full history of one metric ({len(history)} points): {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
