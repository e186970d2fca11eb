"""Concurrent users against the real `filmchat serve` on 127.0.0.1, through gradio_client.

    .venv/bin/python benchmarks/load.py                         # 16 clients x 25 questions, then a burst
    .venv/bin/python benchmarks/load.py --clients 8 --each 5    # what tests/test_load.py runs

Each client is its own gradio_client session asking known questions from
examples/questions.jsonl (the right first film, or "the articles don't say" for the
unanswerable ones) one after another; all clients start together. Every request has a
deadline (``--cap`` seconds for the whole run), so the run ends even if the app hangs.
Afterwards the app must still answer.

The burst: a second server with a tiny queue (FILMCHAT_QUEUE_SIZE=2,
FILMCHAT_CONCURRENCY=1) gets ``--burst`` simultaneous slow requests (a long follow-up
question with three earlier questions); each must come back quickly as an answer or
as Gradio's "Queue is full" (a 503 that the browser shows as "This application is
currently busy. Please try again.") — never hang.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import describe, is_right, known_questions, machine, pct, rss_mb, save, start_serve, stop, table

SLOW_QUESTION = ("and what does the film say about how the people around them change because of it, and why does it "
                 "matter so much to everyone who watches it? ") * 12
SLOW_HISTORY = ["which film is about a father and his daughter in prison?", "what happens to him in the end?",
                "who plays her when she grows up?"]


def is_busy(error: str) -> bool:
    """Gradio's answer to a full queue, as gradio_client reports it (QueueError: 'Queue is full! …')."""
    return "queue is full" in error.lower() or "busy" in error.lower()


def run_load(url: str, questions: list[dict], clients: int, each: int, cap: float, auth=None) -> dict:
    """clients × each questions, all clients at once; per request: latency, right answer, error."""
    from gradio_client import Client

    deadline = time.monotonic() + cap
    start = threading.Barrier(clients + 1)
    records: list[tuple[float, bool, str | None]] = []
    lock = threading.Lock()

    def user(i: int) -> None:
        try:
            client = Client(url, verbose=False, auth=auth)
        except Exception as e:  # noqa: BLE001 - a client that cannot connect is an error of the run
            start.wait()
            with lock:
                records.extend([(0.0, False, f"connect: {type(e).__name__}: {e}")] * each)
            return
        start.wait()
        for j in range(each):
            q = questions[(i * each + j) % len(questions)]
            t = time.perf_counter()
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the run's time cap passed before this request")
                text = client.submit(q["question"], q["history"], api_name="/chat").result(timeout=left)
                rec = (time.perf_counter() - t, is_right(text, q["film"]), None)
            except Exception as e:  # noqa: BLE001 - every failure is counted, none stops the run
                rec = (time.perf_counter() - t, False, f"{type(e).__name__}: {e}"[:300])
            with lock:
                records.append(rec)

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join(timeout=max(0.0, deadline - time.monotonic()) + 10)
    wall = time.perf_counter() - t0
    answered = [r for r in records if r[2] is None]
    lat = [r[0] for r in answered]
    return {"clients": clients, "each": each, "requests": clients * each, "finished": len(records),
            "answered": len(answered), "right": sum(r[1] for r in records), "errors": [r[2] for r in records if r[2]],
            "hung_clients": sum(th.is_alive() for th in threads), "wall_s": wall,
            "p50_s": pct(lat, 50), "p95_s": pct(lat, 95), "max_s": max(lat, default=float("nan")),
            "throughput_per_s": len(answered) / wall if wall else 0.0}


def burst(url: str, n: int, timeout: float = 60) -> dict:
    """n slow requests at the same instant: each must end as an answer or a clear busy error."""
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(n)]
    start = threading.Barrier(n)
    out: list[tuple[str, float, str]] = []
    lock = threading.Lock()

    def one(c) -> None:
        start.wait()
        t = time.perf_counter()
        try:
            text = c.submit(SLOW_QUESTION, SLOW_HISTORY, api_name="/chat").result(timeout=timeout)
            rec = ("answered" if text else "empty", time.perf_counter() - t, text[:80])
        except Exception as e:  # noqa: BLE001
            msg = f"{type(e).__name__}: {e}"
            rec = ("busy" if is_busy(msg) else "error", time.perf_counter() - t, msg[:200])
        with lock:
            out.append(rec)

    threads = [threading.Thread(target=one, args=(c,), daemon=True) for c in clients]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout + 10)
    kinds = [k for k, _, _ in out]
    return {"n": n, "answered": kinds.count("answered"), "busy": kinds.count("busy"),
            "other": [(k, m) for k, _, m in out if k not in ("answered", "busy")], "hung": n - len(out),
            "busy_max_s": max((s for k, s, _ in out if k == "busy"), default=0.0),
            "answered_max_s": max((s for k, s, _ in out if k == "answered"), default=0.0),
            "busy_message": next((m for k, _, m in out if k == "busy"), "")}


def round_trip(url: str, n: int = 20) -> dict:
    """One client over raw HTTP (join the queue, read the event stream): the server's own share of a request.

    gradio_client polls its message queue every 50 ms (gradio_client/utils.py), which
    adds tens of milliseconds to every request it makes; this shows what is left without it.
    """
    import json
    import uuid

    import httpx

    questions = known_questions()[:n]
    with httpx.Client(timeout=30) as http:
        config = http.get(url + "config").json()
        fn = next(i for i, d in enumerate(config["dependencies"]) if d.get("api_name") == "chat")

        def ask(q: dict) -> str:
            session = uuid.uuid4().hex
            http.post(url + "gradio_api/queue/join", json={"data": [q["question"], q["history"]], "fn_index": fn,
                                                           "session_hash": session}).raise_for_status()
            with http.stream("GET", url + f"gradio_api/queue/data?session_hash={session}") as stream:
                for line in stream.iter_lines():
                    if line.startswith("data:") and (m := json.loads(line[5:])).get("msg") == "process_completed":
                        return m["output"]["data"][0]
            raise RuntimeError("the event stream ended without an answer")

        ask(questions[0])
        times, right = [], 0
        for q in questions:
            t = time.perf_counter()
            right += is_right(ask(q), q["film"])
            times.append(time.perf_counter() - t)
    return {"n": len(times), "right": right, "p50_s": pct(times, 50), "p95_s": pct(times, 95)}


def still_answers(url: str) -> bool:
    from gradio_client import Client

    return Client(url, verbose=False).predict(message="who directed Train to Busan?", api_name="/chat").find(
        "Yeon Sang-Ho") >= 0


def report(load: dict, b: dict | None, after: bool, peak_mb: float, settings: str, m: dict, raw: dict) -> str:
    rows = [[f"{load['clients']} × {load['each']}", settings, f"{load['answered']}/{load['requests']}",
             f"{load['right']}/{load['requests']}", len(load["errors"]),
             f"{load['p50_s'] * 1000:.0f} / {load['p95_s'] * 1000:.0f} / {load['max_s'] * 1000:.0f}",
             f"{load['throughput_per_s']:.1f}", f"{load['wall_s']:.1f} s", "yes" if after else "NO", f"{peak_mb:.0f} MB"]]
    text = table(["clients × questions", "queue", "answered", "right first film", "errors", "latency p50 / p95 / max ms",
                  "answers/s", "wall", "answers afterwards", "serve peak memory"], rows)
    text += (f"\n\nOne client alone, raw HTTP (no gradio_client polling): p50 {raw['p50_s'] * 1000:.0f} ms, "
             f"p95 {raw['p95_s'] * 1000:.0f} ms over {raw['n']} questions ({raw['right']} right).")
    if b:
        text += "\n\n" + table(
            ["burst", "queue", "answered", "busy", "other / hung", "slowest busy reply", "slowest answer"],
            [[f"{b['n']} slow requests at once", "size 2, concurrency 1", b["answered"], b["busy"],
              f"{len(b['other'])} / {b['hung']}", f"{b['busy_max_s']:.2f} s", f"{b['answered_max_s']:.2f} s"]])
        text += f"\n\nA busy client is told: `{b['busy_message']}`"
    if load["errors"]:
        text += "\n\nErrors: " + "; ".join(sorted(set(load["errors"])))[:2000]
    return f"Machine: {describe(m)}\n\n{text}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--each", type=int, default=25, help="questions per client")
    ap.add_argument("--cap", type=float, default=300, help="seconds for the whole run")
    ap.add_argument("--burst", type=int, default=24, help="simultaneous slow requests (0: skip)")
    ap.add_argument("--url", help="an app already running (its queue settings are its own); default: start one")
    args = ap.parse_args(argv)

    from filmchat.settings import load_settings

    m = machine()
    questions = known_questions()
    s = load_settings()
    queue = f"size {s.queue_size}, concurrency {s.concurrency}"
    with tempfile.TemporaryDirectory(prefix="filmchat-load-") as work:
        proc = None
        url = args.url
        if url is None:
            proc, url, _ = start_serve(Path(work) / "index")
        try:
            raw = round_trip(url)
            result = run_load(url, questions, args.clients, args.each, args.cap)
            after = still_answers(url)
            peak = rss_mb(proc.pid, "VmHWM") if proc else float("nan")
        finally:
            if proc:
                stop(proc)
        b = None
        if args.burst:
            proc, url, _ = start_serve(Path(work) / "index", env={"FILMCHAT_QUEUE_SIZE": "2", "FILMCHAT_CONCURRENCY": "1"})
            try:
                b = burst(url, args.burst)
            finally:
                stop(proc)
    text = report(result, b, after, peak, queue, m, raw)
    path = save("load", {"machine": m, "load": result, "burst": b, "answers_afterwards": after, "raw": raw}, text)
    print(text)
    print(f"\n(saved to {path})", file=sys.stderr)
    ok = (result["answered"] == result["requests"] and result["right"] == result["requests"] and after
          and (b is None or (b["hung"] == 0 and not b["other"])))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
