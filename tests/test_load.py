"""Concurrent users against the real `filmchat serve` (short version of benchmarks/load.py; no speed targets here)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT, start_server, stop_server

sys.path.insert(0, str(ROOT))

from benchmarks.load import MALFORMED, abuse, burst, known_questions, run_load, still_answers  # noqa: E402


def test_eight_clients_at_once_all_get_the_right_answer_and_the_app_keeps_answering(server):
    result = run_load(server, known_questions(), clients=8, each=5, cap=60)
    assert result["errors"] == [] and result["hung_clients"] == 0
    assert result["answered"] == result["requests"] == 40
    assert result["right"] == 40  # the right first film, or "the articles don't say" for the unanswerable ones
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


def test_oversized_and_malformed_requests_are_refused_and_memory_stays_bounded(shipped_composer, shipped_settings):
    proc, url = start_server(shipped_settings.index_dir)
    try:
        still_answers(url)  # warm: the memory compared is that of a server that has answered
        a = abuse(url, proc.pid, n=8, mb=20)
    finally:
        stop_server(proc)
    assert a["statuses"] and "200" not in a["statuses"]  # 413, or the connection closed on a refused body
    assert a["unknown_fn"] == 422
    assert a["malformed"] == {what: "refused" for _, what in MALFORMED}
    # 8 x 20 MB unrefused took a server from 409 MB to 1.18 GB; refused early, it grows by a few MB at most
    assert a["rss_after_mb"] - a["rss_before_mb"] < 100, a
    assert a["answers_afterwards"]
