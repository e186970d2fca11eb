"""The web chat (Gradio): a question box, example questions, answers with numbered, cited sources.

It only talks to ``answer.Composer``; search and index details stay behind it.
Article and user text reach the page escaped (see ``answer.escape_md``), and the
Chatbot's own HTML sanitiser stays on as a second line of defence.
"""

from __future__ import annotations

import html
import ipaddress
import sys

from .answer import Answer, Composer, open_composer
from .settings import Settings, load_settings

EXAMPLES = [
    "which film is about a Korean adoptee?",
    "who directed Hope?",
    "Tell me about Miracle in Cell No. 7",
    "Which films are based on true stories?",
    "which movie has zombies on a train?",
]
DESCRIPTION = (
    "Ask about the films in the articles. Every answer quotes the passages it comes from, "
    "numbered [1], [2], … with the article and film. Follow-up questions (“who directed it?”) "
    "refer to the film the chat is about."
)
CSS = """
.filmchat-sources details { margin: .25em 0 .75em 0; }
footer { display: none !important; }
"""


def earlier_questions(history: list) -> list[str]:
    """The user's earlier questions from Gradio's message history (oldest first)."""
    out = []
    for m in history or []:
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", None)
        content = m.get("content") if isinstance(m, dict) else getattr(m, "content", None)
        if role == "user":
            if isinstance(content, list):  # newer Gradio: a list of parts
                content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
            if isinstance(content, str) and content.strip():
                out.append(content)
    return out


def render(answer: Answer) -> str:
    """The chat message: the answer, then each source with an expandable full section."""
    text = answer.text
    if answer.citations:
        blocks = []
        for c in answer.citations:
            blocks.append(
                f"<details><summary>[{c.n}] whole passage · {html.escape(c.film or 'article')}</summary>\n\n"
                f"{html.escape(c.text)}\n\n</details>"
            )
        text += "\n\n" + "\n".join(blocks)
    return text


def make_app(composer: Composer, settings: Settings):
    import gradio as gr

    def respond(message: str, history: list) -> str:
        try:
            return render(composer.ask(message or "", earlier_questions(history)))
        except Exception as e:  # noqa: BLE001 - the chat must keep working; the log keeps the detail
            print(f"filmchat: error answering {message[:80]!r}: {type(e).__name__}: {e}", file=sys.stderr)
            return "Sorry — something went wrong while answering. Please try again or rephrase the question."

    with gr.Blocks(title="filmchat", fill_height=True) as demo:
        gr.Markdown("## filmchat — ask the articles about sad Korean films")
        chatbot = gr.Chatbot(
            label="filmchat", sanitize_html=True, render_markdown=True, height=560,
            buttons=["copy"], placeholder=DESCRIPTION, elem_classes=["filmchat-sources"],
        )
        gr.ChatInterface(
            respond, chatbot=chatbot, examples=EXAMPLES, run_examples_on_click=True, cache_examples=False,
            api_name="chat", save_history=True, autofocus=True,
            textbox=gr.Textbox(placeholder="Ask about a film… e.g. who directed Hope?", max_length=None,
                               submit_btn=True, stop_btn=False, label="Question", show_label=False),
        )
    return demo


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_pair(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise SystemExit("error: --auth / FILMCHAT_AUTH must look like user:password")
    return user, password


def serve(settings: Settings, block: bool = True):
    """Build the index if needed, then serve the chat on settings.host:port (never a public share link)."""
    composer = open_composer(settings, progress=sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr))
    auth = auth_pair(settings.auth)
    if not is_loopback(settings.host) and auth is None:
        print(f"warning: serving on {settings.host} without a password: anyone who can reach this machine can use the "
              "chat. Set --auth user:password (or FILMCHAT_AUTH).", file=sys.stderr)
    demo = make_app(composer, settings)
    demo.queue(api_open=False, max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    demo.launch(
        server_name=settings.host, server_port=settings.port, share=False, auth=auth,
        enable_monitoring=False, show_error=False, prevent_thread_lock=not block, quiet=False,
        css=CSS, footer_links=[],
    )
    return demo


def main():
    """`python app.py`: the same chat as `filmchat serve`, configured by FILMCHAT_* variables."""
    from .cli import UserError, guarded

    try:
        guarded(serve)(load_settings())
    except UserError as e:
        raise SystemExit(e.message) from None
