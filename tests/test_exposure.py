"""Who can reach the chat: loopback by default, never a public share link, a password when it listens wider.

Servers bound to 0.0.0.0 here are only ever contacted on 127.0.0.1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import start_server, stop_server
from filmchat.settings import load_settings

QUESTION = "who directed Train to Busan?"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on this port, from /proc/net/tcp and tcp6."""
    found = set()
    for name in ("tcp", "tcp6"):
        path = Path(f"/proc/net/{name}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:  # 0A = LISTEN
                if name == "tcp":
                    found.add(".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add("::" if set(addr) == {"0"} else addr)
    return found


def test_default_serve_listens_on_loopback_only(server):
    port = int(server.rstrip("/").rsplit(":", 1)[1])
    assert listening_addresses(port) == {"127.0.0.1"}
    assert load_settings(env={}).host == "127.0.0.1"


def test_wide_bind_without_password_warns_and_opens_no_share_link(shipped_composer, shipped_settings):
    # GRADIO_SHARE=True would make a bare gr.launch() try a public link; serve must not.
    proc, url = start_server(shipped_settings.index_dir, extra_env={"GRADIO_SHARE": "True"}, args=("--host", "0.0.0.0"))
    try:
        from gradio_client import Client

        assert url.startswith("http://127.0.0.1:")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert "0.0.0.0" in listening_addresses(port)
        assert "Yeon Sang-Ho" in Client(url, verbose=False).predict(message=QUESTION, api_name="/chat")
    finally:
        out = stop_server(proc)
    assert "warning: serving on 0.0.0.0 without a password" in out
    assert "FILMCHAT_AUTH" in out
    assert "gradio.live" not in out and "public url" not in out.lower()
    assert "share=True" not in out  # Gradio's banner would suggest a public link
    assert "the chat is ready at http://" in out


@pytest.fixture(scope="module")
def password_server(shipped_composer, shipped_settings):
    proc, url = start_server(shipped_settings.index_dir, args=("--host", "0.0.0.0", "--auth", "ann:s3cret"))
    yield url, proc
    out = stop_server(proc)
    assert "without a password" not in out


def test_with_a_password_a_client_without_it_is_refused(password_server):
    import urllib.error
    import urllib.request

    from gradio_client import Client

    url, _ = password_server
    with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies; any refusal will do
        Client(url, verbose=False).predict(message=QUESTION, api_name="/chat")
    with pytest.raises(Exception):  # noqa: B017
        Client(url, verbose=False, auth=("ann", "wrong")).predict(message=QUESTION, api_name="/chat")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "config", timeout=10)
    assert refused.value.code in (401, 403)


def test_with_the_password_the_chat_answers(password_server):
    from gradio_client import Client

    url, _ = password_server
    assert "Yeon Sang-Ho" in Client(url, verbose=False, auth=("ann", "s3cret")).predict(message=QUESTION,
                                                                                      api_name="/chat")


def test_password_comes_from_the_environment_too_and_a_malformed_one_is_refused_before_starting():
    assert load_settings(env={"FILMCHAT_AUTH": "ann:s3cret"}).auth == "ann:s3cret"
    p = subprocess.run([sys.executable, "-m", "filmchat.cli", "serve", "--auth", "no-colon", "--port", "1"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode != 0 and "user:password" in (p.stdout + p.stderr)
