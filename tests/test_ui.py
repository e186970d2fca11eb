"""The real Gradio app, started as `filmchat serve` on 127.0.0.1, answering through gradio_client."""

from __future__ import annotations

import pytest

from filmchat.ui import auth_pair, is_loopback, user_message


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


def test_api_follow_up_uses_the_earlier_questions(client):
    text = client.predict("when was it released?", ["Which film is about an autistic marathon runner?"], api_name="/chat")
    assert text.startswith("**Marathon** was released in 2005")


def test_user_messages_are_shown_as_text():
    assert user_message("<b>hi</b> [x](javascript:alert(1))", 2000)["content"] == "&lt;b&gt;hi&lt;/b&gt; \\[x\\]\\(javascript:alert\\(1\\)\\)"
    assert user_message("   ", 2000)["content"] == "(empty question)"
    # bare URLs and e-mail addresses would become live links (GitHub-flavoured markdown)
    assert user_message("see https://x.org, www.x.org or a@x.org", 2000)["content"] == "see https\\://x.org, www\\.x.org or a\\@x.org"


def test_loopback_detection_and_auth_parsing():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4")
    assert auth_pair("ann:secret") == ("ann", "secret") and auth_pair(None) is None
    with pytest.raises(SystemExit):
        auth_pair("no-colon")


def test_the_chat_answers_from_an_index_rebuilt_by_another_process(tiny_settings, embedder, capsys):
    from conftest import write_corpus

    from filmchat.lifecycle import open_composer
    from filmchat.build import build_index
    from filmchat.ui import ChatApp

    app = ChatApp(open_composer(tiny_settings, embedder=embedder, log=lambda m: None), tiny_settings)
    question = "which film is about a beekeeper?"
    assert "Honey Hills" not in app.answer(question, [])
    write_corpus(tiny_settings.corpus_dir, {"bees.txt": "Bee Films\n\n1. Honey Hills\n\nAn old beekeeper teaches "
                                            "his granddaughter to care for the hives on a windy hill.\n"})
    build_index(tiny_settings, embedder)  # what `filmchat index` in another terminal does
    assert "Honey Hills" in app.answer(question, [])
    assert "rebuilt by another process" in capsys.readouterr().err


def test_an_index_on_disk_that_cannot_be_loaded_leaves_the_loaded_one_answering(tiny_settings, embedder, capsys):
    from filmchat.lifecycle import open_composer
    from filmchat.ui import ChatApp

    app = ChatApp(open_composer(tiny_settings, embedder=embedder, log=lambda m: None), tiny_settings)
    (tiny_settings.index_dir / "CURRENT").write_text("garbage", encoding="utf-8")
    for _ in range(2):
        assert "Red Dust" in app.answer("which film is about an astronaut on Mars?", [])
    assert capsys.readouterr().err.count("cannot be loaded") == 1  # said once, not on every question


def test_a_long_question_is_shown_cut_where_it_was_answered():
    shown = user_message("lighthouse " * 1000, 2000)["content"]
    assert shown.startswith("lighthouse lighthouse") and "9,000 more characters" in shown and len(shown) < 2200
