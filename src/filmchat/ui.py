"""The web chat (Gradio): a question box, example questions, answers with numbered, cited sources.

It talks to ``answer.Composer`` (and, for the Rebuild button, ``index.build_index``);
search and FAISS stay behind them. Every piece of article or user text reaches the
page escaped (``answer.escape_md``), with the Chatbot's HTML sanitiser on as a second
line of defence. The conversation is kept in the browser (``gr.BrowserState``), so a
reload keeps it; "New chat" starts over.
"""

from __future__ import annotations

import ipaddress
import sys
import threading

from .answer import Composer, escape_md, open_composer
from .settings import Settings, load_settings
from .validation import BadInput, check_request

EXAMPLES = [
    "which film is about a Korean adoptee?",
    "who directed Hope?",
    "Tell me about Miracle in Cell No. 7",
    "Which films are based on true stories?",
    "which movie has zombies on a train?",
]
INTRO = (
    "Ask about the films in the articles. Every answer quotes the passages it comes from — "
    "numbered [1], [2], … with the article and the film — and says so when the articles don't answer. "
    "Follow-ups (“who directed it?”) refer to the film the chat is about."
)
BUSY = "filmchat is busy answering other people right now — please ask again in a few seconds."
CSS = """
#filmchat-chat details { margin: .2em 0 .8em 0; font-size: .95em; }
#filmchat-chat blockquote { margin: .3em 0; }
/* the matched sentence in an excerpt: marked like a highlighter (offline, the bundled bold face lacks some capitals) */
#filmchat-chat blockquote strong { font-weight: inherit; background: rgba(255, 200, 60, .35); border-radius: 2px; }
"""


def user_message(question: str) -> dict:
    """The user's question as the chat shows it: as text, never as markup."""
    return {"role": "user", "content": escape_md(question) if question.strip() else "(empty question)"}


class ChatApp:
    """The live composer, swapped for a fresh one after a rebuild (no restart)."""

    def __init__(self, composer: Composer, settings: Settings):
        self.composer = composer
        self.settings = settings
        self._rebuild = threading.Lock()
        self._unloadable: str | None = None  # the CURRENT that failed to load, not tried again

    def live_composer(self) -> Composer:
        """The composer, reloaded first when another process (``filmchat index``) switched the index.

        Costs one read of the small CURRENT file per question; a build that cannot be loaded
        is reported once and the previous index keeps answering.
        """
        composer = self.composer
        if composer.is_live() or not self._rebuild.acquire(blocking=False):
            return composer
        stamp = ""
        try:
            current = self.settings.index_dir / "CURRENT"
            stamp = current.read_text(encoding="utf-8", errors="replace") if current.exists() else ""
            if stamp != self._unloadable:
                self.composer = open_composer(self.settings, embedder=composer.searcher.embedder, build=False)
                print("filmchat: the index was rebuilt by another process; answering from the new one", file=sys.stderr)
        except Exception as e:  # noqa: BLE001 - the loaded index keeps answering
            self._unloadable = stamp
            print(f"filmchat: the index on disk changed but cannot be loaded ({e}); "
                  "answering from the previous one", file=sys.stderr)
        finally:
            self._rebuild.release()
        return self.composer

    def answer(self, question: str, history: list[str]) -> str:
        """The answer's markdown; BadInput (not a string, over a limit) is raised for the caller to show."""
        question, history = check_request(question, history, self.settings)
        try:
            composer = self.live_composer()
            a = composer.ask(question, history)
            return a.markdown({c.n: composer.section_text(c) for c in a.citations})
        except Exception as e:  # noqa: BLE001 - the chat must keep working; the log keeps the detail
            print(f"filmchat: error answering {str(question)[:80]!r}: {type(e).__name__}: {e}", file=sys.stderr)
            return "Sorry — something went wrong while answering. Please try again or rephrase the question."

    def status(self) -> str:
        from .index import index_status

        try:
            st = index_status(self.settings)
        except Exception as e:  # noqa: BLE001
            return f"Index status unavailable: {escape_md(str(e))}"
        head = "✅ The index matches the corpus." if st.ok else "⚠️ The index does not match the corpus."
        return head + "\n\n" + "\n".join(f"- {escape_md(m)}" for m in st.messages)

    def may_rebuild(self, client: str | None, headers) -> bool:
        """Who may re-index: anyone who logged in (--auth); without a password, only this machine.

        A request that came through a proxy (forwarding headers) is not taken as local.
        """
        if self.settings.auth:
            return True
        forwarded = any(h in headers for h in ("x-forwarded-for", "forwarded", "x-real-ip"))
        return bool(client) and is_loopback(client) and not forwarded

    def rebuild(self, progress=None) -> str:
        """Re-index the corpus (only what changed) and answer from the new index from now on."""
        from .index import build_index

        if not self._rebuild.acquire(blocking=False):
            return "A rebuild is already running."
        try:
            embedder = self.composer.searcher.embedder

            def step(done: int, total: int):
                if progress is not None:
                    progress(done / max(total, 1), desc=f"embedding {done}/{total} sentences")

            report = build_index(self.settings, embedder, on_progress=step)
            self.composer = open_composer(self.settings, embedder=embedder, build=False)
            skipped = "".join(f"\n- skipped {escape_md(s.path)}: {escape_md(s.reason)}" for s in report.skipped)
            return f"{escape_md(report.summary())}{skipped}\n\n{self.status()}"
        except Exception as e:  # noqa: BLE001 - shown in the page; the old index keeps answering
            return f"Rebuild failed: {escape_md(str(e))}. The previous index is still answering."
        finally:
            self._rebuild.release()


def make_app(app: ChatApp):
    import gradio as gr

    def ask(message: str, messages: list, questions: list):
        messages = list(messages) if isinstance(messages, list) else []
        questions = list(questions or [])
        message = message if isinstance(message, str) else ""
        try:
            reply, asked = app.answer(message, questions), message
        except BadInput as e:  # shown, not answered, and not kept as a question
            reply, asked = escape_md(f"⚠️ Not answered: {e}."), ""
        messages += [user_message(message), {"role": "assistant", "content": reply}]
        if asked.strip():
            questions.append(asked)
        saved = {"messages": messages[-40:], "questions": questions[-20:]}
        return "", messages, questions, saved

    def restore(saved):
        saved = saved or {}
        return saved.get("messages", []), saved.get("questions", [])

    def new_chat():
        return [], [], {"messages": [], "questions": []}, ""

    def rebuild(request, progress=gr.Progress()):
        if not app.may_rebuild(getattr(request.client, "host", None), request.headers):
            return ("Rebuilding is off for visitors: this chat has no password (`--auth`). Run `filmchat index` "
                    "on the server, or rebuild from the server itself.")
        return app.rebuild(progress)

    rebuild.__annotations__["request"] = gr.Request  # the class itself: Gradio cannot resolve the string "gr.Request"

    with gr.Blocks(title="filmchat", fill_height=True) as demo:
        saved = gr.BrowserState({"messages": [], "questions": []}, storage_key="filmchat-conversation")
        questions = gr.State([])
        gr.Markdown("## filmchat — ask the articles about sad Korean films")
        chatbot = gr.Chatbot(
            label="filmchat", elem_id="filmchat-chat", sanitize_html=True, render_markdown=True, height=560,
            buttons=["copy"], placeholder=INTRO, feedback_options=None, group_consecutive_messages=False,
        )
        with gr.Row():
            box = gr.Textbox(placeholder="Ask about a film… e.g. who directed Hope?", show_label=False, scale=8,
                             autofocus=True, submit_btn=False, elem_id="filmchat-question")
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="filmchat-ask")
            new = gr.Button("New chat", scale=1, elem_id="filmchat-new")
        gr.Examples(EXAMPLES, inputs=box, label="Try")
        with gr.Accordion("Index", open=False):
            status = gr.Markdown(app.status)
            rebuild_btn = gr.Button("Rebuild index", elem_id="filmchat-rebuild")
            rebuild_btn.click(rebuild, outputs=status, api_name="rebuild")

        outs = [box, chatbot, questions, saved]
        box.submit(ask, [box, chatbot, questions], outs, api_visibility="private")
        send.click(ask, [box, chatbot, questions], outs, api_visibility="private")
        new.click(new_chat, outputs=[chatbot, questions, saved, box], api_visibility="private")
        # the Chatbot's own trash button starts over too: the hidden questions would otherwise steer follow-ups
        chatbot.clear(new_chat, outputs=[chatbot, questions, saved, box], api_visibility="private")
        demo.load(restore, saved, [chatbot, questions], api_visibility="private")

        # the API clients use (gradio_client): one question, earlier questions of the same chat
        def chat(message: str, history: list[str] | None = None) -> str:
            try:
                return app.answer(message, history)
            except BadInput as e:  # an error, never an answer to something that is not a question
                raise gr.Error(str(e), print_exception=False) from None

        gr.api(chat, api_name="chat")
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


def check_can_listen(host: str, port: int) -> None:
    """Bind the address once before starting, so a port in use or a wrong --host is one clear line."""
    import errno
    import socket

    from .errors import UserError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise UserError(f"error: cannot listen on --host {host!r}: not an address or a known host name") from e
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise UserError(f"error: port {port} is already in use on {host}; choose another with --port "
                                "(or FILMCHAT_PORT)") from e
            raise UserError(f"error: cannot listen on {host}:{port} ({e.strerror or e}); check --host and "
                            "--port") from e


def serve(settings: Settings, block: bool = True):
    """Build the index if needed, then serve the chat on settings.host:port (never a public share link).

    The queue is deliberate: ``concurrency`` answers run at once (encoding is serialised
    anyway), up to ``queue_size`` wait; beyond that a request is turned away at once as
    busy instead of hanging. Direct REST calls cannot skip the queue (api_open=False).
    """
    auth = auth_pair(settings.auth)
    check_can_listen(settings.host, settings.port)
    if not is_loopback(settings.host) and auth is None:
        print(f"warning: serving on {settings.host} without a password: anyone who can reach this machine can use the "
              "chat. Set --auth user:password (or FILMCHAT_AUTH).", file=sys.stderr)
    composer = open_composer(settings, progress=sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr))
    demo = make_app(ChatApp(composer, settings))
    demo.queue(api_open=False, max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    # quiet: Gradio's own banner suggests share=True, which this app never does; it prints its own line
    from starlette.middleware import Middleware

    from .webguard import RequestGuard

    guard = Middleware(RequestGuard, max_bytes=settings.max_request_bytes, events=lambda: len(demo.fns))
    demo.launch(
        server_name=settings.host, server_port=settings.port, share=False, auth=auth,
        enable_monitoring=False, show_error=False, prevent_thread_lock=True, quiet=True,
        css=CSS, footer_links=[], app_kwargs={"middleware": [guard]}, max_file_size="1kb",
    )
    print(f"filmchat: the chat is ready at {demo.local_url} (Ctrl+C stops it)", flush=True)
    if block:
        demo.block_thread()
    return demo


def main():
    """`python app.py`: the same chat as `filmchat serve`, configured by FILMCHAT_* variables."""
    from .errors import UserError, guarded

    try:
        guarded(serve)(load_settings())
    except UserError as e:
        raise SystemExit(e.message) from None
