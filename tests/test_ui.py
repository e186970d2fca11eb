"""The real Gradio app, started as `filmchat serve` on 127.0.0.1, answering through gradio_client."""

from __future__ import annotations

import pytest

from filmchat.ui import auth_pair, earlier_questions, is_loopback


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_app_answers_a_question_with_cited_sources(client):
    text = client.predict(message="which film is about a Korean adoptee?", api_name="/chat")
    assert text.startswith("**My Father**")
    assert "Aaron Bates" in text and "[1]" in text and "True Stories Behind Korean Films" in text


def test_empty_question_gets_a_message_and_the_app_keeps_working(client):
    assert "Please type a question" in client.predict(message="   ", api_name="/chat")
    assert "Yeon Sang-Ho" in client.predict(message="who directed Train to Busan?", api_name="/chat")


def test_direct_rest_calls_cannot_skip_the_queue(server):
    import json
    import urllib.error
    import urllib.request

    req = urllib.request.Request(server + "gradio_api/run/chat", data=json.dumps({"data": ["hi"]}).encode(),
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, timeout=10)


def test_history_messages_become_earlier_questions():
    history = [{"role": "user", "content": "which film is about a Korean adoptee?"},
               {"role": "assistant", "content": "**My Father** …"},
               {"role": "user", "content": [{"type": "text", "text": "who directed it?"}]}]
    assert earlier_questions(history) == ["which film is about a Korean adoptee?", "who directed it?"]


def test_loopback_detection_and_auth_parsing():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert auth_pair("ann:secret") == ("ann", "secret") and auth_pair(None) is None
    with pytest.raises(SystemExit):
        auth_pair("no-colon")
