"""Concurrent users against the real `filmchat serve` (short version of benchmarks/load.py; no speed targets here)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT, post_declared, start_server, stop_server

sys.path.insert(0, str(ROOT))

from benchmarks.common import first_film  # noqa: E402
from benchmarks.load import burst, known_questions, run_load, still_answers  # noqa: E402


def test_eight_clients_at_once_all_get_the_answer_one_user_gets_and_the_app_keeps_answering(server, shipped_composer):
    # what one user alone is answered (the same index and settings): its first film, or none when it abstains
    alone = [dict(q, film=first_film(shipped_composer.ask(q["question"], q["history"]).text)) for q in known_questions()]
    result = run_load(server, alone, clients=8, each=5, cap=60)
    assert result["errors"] == [] and result["hung_clients"] == 0
    assert result["answered"] == result["requests"] == 40
    assert result["right"] == 40  # under load, every answer leads with the same film (or abstains) as alone
    assert still_answers(server)


@pytest.fixture(scope="module")
def tiny_queue_server(shipped_composer, shipped_settings):
    """The app with room for one answer at a time and two waiting (the shipped index, already built)."""
    proc, url = start_server(shipped_settings.index_dir, extra_env={"FILMCHAT_QUEUE_SIZE": "2",
                                                                    "FILMCHAT_CONCURRENCY": "1"})
    yield url
    stop_server(proc)


def test_a_burst_beyond_the_queue_is_told_busy_at_once_and_nothing_hangs(tiny_queue_server):
    b = burst(tiny_queue_server, 16, timeout=45)
    assert b["hung"] == 0 and b["other"] == []
    assert b["answered"] >= 1 and b["busy"] >= 1 and b["answered"] + b["busy"] == 16
    assert "Queue is full" in b["busy_message"]  # what gradio_client raises; the page says "currently busy"
    assert b["busy_max_s"] < 15  # turned away, not left waiting behind the queue
    assert still_answers(tiny_queue_server)


def test_oversized_and_malformed_requests_leave_memory_bounded_and_answers_right(shipped_composer, shipped_settings):
    """Eight 20 MB bodies at once, and malformed calls through the API: refused, and the server neither grows
    by their size nor stops answering."""
    import threading

    from gradio_client import Client

    from benchmarks.common import rss_mb

    proc, url = start_server(shipped_settings.index_dir)
    try:
        client = Client(url, verbose=False)
        client.predict(message="which film is about a Korean adoptee?", api_name="/chat")
        before = rss_mb(proc.pid)
        codes = []

        def big():
            codes.append(post_declared(url, "/gradio_api/queue/join", 20_000_000, b'{"data": ["' + b"x" * 60_000))

        threads = [threading.Thread(target=big) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert codes == [413] * 8
        for history in ("which film is about a Korean adoptee?", [1, 2], [{"x": 1}]):
            reply = client.predict("who directed it?", history, api_name="/chat")
            assert reply.startswith("Sorry, that request cannot be answered"), reply
        assert rss_mb(proc.pid) - before < 100  # not 8 x 20 MB
        assert still_answers(url)
    finally:
        stop_server(proc)
