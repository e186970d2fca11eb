"""The web chat (Gradio): a question box, example questions, answers with numbered, cited sources.

It talks to ``answer.Composer`` (and, for the Rebuild button, ``index.build_index``);
search and FAISS stay behind them. Every piece of article or user text reaches the
page escaped (``answer.escape_md``), with the Chatbot's HTML sanitiser on as a second
line of defence. The conversation is kept in the browser (``gr.BrowserState``), so a
reload keeps it; "New chat" starts over.
"""

from __future__ import annotations

import ipaddress
import json
import sys
import threading

from .answer import Composer
from .lifecycle import open_composer
from .render import escape_md
from .corpus import show_path
from .settings import Settings, load_settings

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
# After an answer: scroll the chat to the start of the newest answer (not the end of its sources), on desktop and
# phone alike, and give the keyboard back to the question box.
# "Open the source": when a source's whole section opens, its cited sentence (marked) is scrolled into view.
OPEN_SOURCE = """() => {
  document.addEventListener('toggle', (e) => {
    const d = e.target;
    if (d.tagName === 'DETAILS' && d.open && d.closest('#filmchat-chat')) d.querySelector('strong')?.scrollIntoView({block: 'center'});
  }, true);
}"""

SHOW_ANSWER = """() => {
  // the new message may render a moment after the reply arrives (and the chat draws messages out of view
  // lazily), so look again a few times rather than scroll to the one before it
  const show = () => {
    const bots = document.querySelectorAll('#filmchat-chat .message.bot');
    bots[bots.length - 1]?.scrollIntoView({block: 'start'});
  };
  [0, 150, 400, 1000].forEach((ms) => setTimeout(show, ms));
  document.querySelector('#filmchat-question textarea')?.focus({preventScroll: true});
}"""

CSS = """
/* a focus ring that can be seen on the question box */
#filmchat-question textarea:focus-visible, #filmchat-question textarea:focus { outline: 3px solid #2563eb !important; outline-offset: 2px !important; }
#filmchat-chat details { margin: .2em 0 .8em 0; font-size: .95em; }
#filmchat-chat blockquote { margin: .3em 0; }
/* the matched sentence in an excerpt: marked like a highlighter (offline, the bundled bold face lacks some capitals) */
#filmchat-chat blockquote strong, #filmchat-chat details strong { font-weight: inherit; background: rgba(255, 200, 60, .35); border-radius: 2px; }
"""


def user_message(question: str, limit: int) -> dict:
    """The user's question as the chat shows it: as text, never as markup, and cut where the answer cut it."""
    if not question.strip():
        return {"role": "user", "content": "(empty question)"}
    shown = escape_md(question[:limit])
    if len(question) > limit:
        shown += f"\n\n_(the rest of the question — {len(question) - limit:,} more characters — was cut)_"
    return {"role": "user", "content": shown}


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
        from .store import current_stamp

        stamp = ""
        try:
            stamp = current_stamp(self.settings.index_dir)
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
        try:
            composer = self.live_composer()
            a = composer.ask(question, history)  # a malformed request is answered with what is wrong
            return a.markdown({c.n: composer.section(c) for c in a.citations})
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

    def rebuild(self, progress=None) -> str:
        """Re-index the corpus (only what changed) and answer from the new index from now on."""
        from .build import build_index

        if not self._rebuild.acquire(blocking=False):
            return "A rebuild is already running."
        try:
            embedder = self.composer.searcher.embedder

            def step(done: int, total: int):
                if progress is not None:
                    progress(done / max(total, 1), desc=f"embedding {done}/{total} sentences")

            report = build_index(self.settings, embedder, on_progress=step)
            self.composer = open_composer(self.settings, embedder=embedder, build=False)
            skipped = "".join(f"\n- skipped {escape_md(show_path(s.path))}: {escape_md(s.reason)}" for s in report.skipped)
            return f"{escape_md(report.summary())}{skipped}\n\n{self.status()}"
        except Exception as e:  # noqa: BLE001 - shown in the page; the old index keeps answering
            return f"Rebuild failed: {escape_md(str(e))}. The previous index is still answering."
        finally:
            self._rebuild.release()


def films_tab(app: ChatApp):
    """The film catalog as a sortable table; each cell's [n] is a statement listed under it (read on page load)."""
    import gradio as gr

    from .catalog import catalog_for, cited_table, source_line

    def table():
        return cited_table(catalog_for(app.live_composer().searcher))

    gr.Markdown("Every value the articles state; [n] is its source, listed below the table. Sort or filter from a "
                "column's ⋮ menu. Dates are year-month-day.")
    gr.Dataframe(lambda: table()[1], headers=table()[0], interactive=False, wrap=True, elem_id="filmchat-films", max_height=720,
                 show_search="filter")
    gr.Markdown(lambda: "**Sources**\n\n" + "\n".join(f"{escape_md(source_line(n, f))}  " for n, f in
                                                       enumerate(table()[2], 1)), elem_id="filmchat-film-sources")


def make_app(app: ChatApp, may_rebuild: bool = True):
    import gradio as gr

    def ask(message: str, messages: list, questions: list):
        messages, questions = list(messages or []), list(questions or [])
        reply = app.answer(message or "", questions)
        limit = app.settings.max_question_chars
        messages += [user_message(message or "", limit), {"role": "assistant", "content": reply}]
        if message and message.strip():
            questions.append(message[:limit])  # what was answered is what later questions refer back to
        saved = {"messages": messages[-40:], "questions": questions[-20:]}
        return "", messages, questions, saved

    def restore(saved):
        saved = saved or {}
        return saved.get("messages", []), saved.get("questions", [])

    def new_chat():
        return [], [], {"messages": [], "questions": []}, ""

    def rebuild(progress=gr.Progress()):
        return app.rebuild(progress)

    with gr.Blocks(title="filmchat", fill_height=True) as demo:
        saved = gr.BrowserState({"messages": [], "questions": []}, storage_key="filmchat-conversation")
        questions = gr.State([])
        gr.Markdown("## filmchat — ask the articles about sad Korean films")
        chatbot = gr.Chatbot(
            label="filmchat", elem_id="filmchat-chat", sanitize_html=True, render_markdown=True, height=560,
            buttons=["copy"], placeholder=INTRO, feedback_options=None, group_consecutive_messages=False,
            autoscroll=False,  # SHOW_ANSWER scrolls to the start of the new answer, not to the end of its sources
        )
        with gr.Row():
            box = gr.Textbox(placeholder="Ask about a film… e.g. who directed Hope?", show_label=False, scale=8,
                             autofocus=True, submit_btn=False, elem_id="filmchat-question")
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="filmchat-ask")
            new = gr.Button("New chat", scale=1, elem_id="filmchat-new")
        examples = gr.Examples(EXAMPLES, inputs=box, label="Try")
        with gr.Accordion("Index", open=False):
            status = gr.Markdown(app.status)
            if may_rebuild:
                rebuild_btn = gr.Button("Rebuild index", elem_id="filmchat-rebuild")
                progress_box = gr.Markdown("", elem_id="filmchat-rebuild-progress")  # the bar, apart from the status
                rebuild_btn.click(rebuild, outputs=status, api_name="rebuild", show_progress_on=progress_box)
            else:  # no endpoint at all: nothing to call anonymously
                gr.Markdown("Rebuilding is off: this chat is open to the network without a password. "
                            "Run `filmchat index` on the server, or serve with `--auth`.")

        with gr.Tab("Films", elem_id="filmchat-films-tab"):
            films_tab(app)

        outs = [box, chatbot, questions, saved]
        # each way of asking ends with the new answer's first line in view and the cursor back in the box
        for event in (box.submit, send.click, examples.load_input_event.then):
            event(ask, [box, chatbot, questions], outs, api_visibility="private").then(None, js=SHOW_ANSWER)
        new.click(new_chat, outputs=[chatbot, questions, saved, box], api_visibility="private")
        # the Chatbot's own trash button starts over too: the hidden questions would otherwise steer follow-ups
        chatbot.clear(new_chat, outputs=[chatbot, questions, saved, box], api_visibility="private")
        demo.load(restore, saved, [chatbot, questions], api_visibility="private").then(None, js=OPEN_SOURCE)

        # the API clients use (gradio_client): one question, earlier questions of the same chat
        def chat(message: str, history: list[str] | None = None) -> str:
            return app.answer(message, history)

        gr.api(chat, api_name="chat")
    return demo


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(host: str, port: int) -> None:
    """One line and exit 1 when the chat cannot listen there: an unknown address, one this machine lacks, a port in use."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError as e:
        raise SystemExit(f"error: cannot serve on {host}:{port}: {host!r} is not an address ({e.strerror or e})") from None
    with socket.socket(family, kind, proto) as s:
        try:
            s.bind(address)
        except OSError as e:
            why = "the port is in use (choose another with --port)" if e.errno == 98 else (e.strerror or str(e))
            raise SystemExit(f"error: cannot serve on {host}:{port}: {why}") from None


def rebuild_allowed(host: str, auth: tuple[str, str] | None) -> bool:
    """Rebuilding changes what everyone is answered from: open to a local user, or behind the password."""
    return is_loopback(host) or auth is not None


def auth_pair(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise SystemExit("error: --auth / FILMCHAT_AUTH must look like user:password")
    return user, password


# A wrong password waits this long before it is refused, so guessing costs time (without holding up
# other requests: the wait is asynchronous).
LOGIN_DELAY_S = 1.0
# The largest request body the server reads: a question (2,000 characters) with 50 earlier ones fits
# many times over; 8 clients sending 20 MB each had grown the server by 800 MB.
MAX_REQUEST_BYTES = 1_000_000


def password_check(pair: tuple[str, str]):
    """Gradio's login check for one user:password, compared in constant time, failures slowed."""
    import asyncio
    import hmac

    user, password = pair

    async def check(username: str, given: str) -> bool:
        ok = hmac.compare_digest(username.encode(), user.encode()) & hmac.compare_digest(given.encode(), password.encode())
        if not ok:
            await asyncio.sleep(LOGIN_DELAY_S)
        return ok

    return check


class RequestGuard:
    """ASGI middleware in front of Gradio: a body over ``max_bytes`` is answered 413 and never read whole,
    an upload is refused (403), and a queue request for an event the app does not have is answered 404 (Gradio answered 500 and
    logged a traceback for ``fn_index: 999``)."""

    def __init__(self, app, max_bytes: int = MAX_REQUEST_BYTES, known=None):
        self.app, self.max_bytes, self.known = app, max_bytes, known

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if scope.get("method") == "POST" and scope.get("path", "").rstrip("/").endswith("/upload"):
            return await self._answer(send, 403, "this chat takes no uploads")  # it has no upload component
        length = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_bytes:
            return await self._answer(send, 413, f"request body over {self.max_bytes:,} bytes")
        body, more = b"", True
        while more:  # at most max_bytes, as checked above or below
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:  # sent without a length, or longer than it said
                return await self._answer(send, 413, f"request body over {self.max_bytes:,} bytes")
        if self.known is not None and scope.get("method") == "POST" and scope.get("path", "").endswith("/queue/join"):
            try:
                fn = json.loads(body).get("fn_index")
            except (ValueError, AttributeError):
                fn = None
            if fn is not None and fn not in self.known():
                return await self._answer(send, 404, "no such event")
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return await self.app(scope, replay, send)

    @staticmethod
    async def _answer(send, status: int, text: str):
        data = text.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


def serve(settings: Settings, block: bool = True):
    """Build the index if needed, then serve the chat on settings.host:port (never a public share link).

    The queue is deliberate: ``concurrency`` answers run at once (encoding is serialised
    anyway), up to ``queue_size`` wait; beyond that a request is turned away at once as
    busy instead of hanging. Direct REST calls cannot skip the queue (api_open=False).
    """
    from starlette.middleware import Middleware

    auth = auth_pair(settings.auth)
    check_listen(settings.host, settings.port)  # before the model loads: a wrong address is said at once, alone
    may_rebuild = rebuild_allowed(settings.host, auth)
    if not is_loopback(settings.host) and auth is None:
        print(f"warning: serving on {settings.host} without a password: anyone who can reach this machine can use the "
              "chat (rebuilding the index is turned off). Set --auth user:password (or FILMCHAT_AUTH).", file=sys.stderr)
    composer = open_composer(settings, progress=sys.stderr.isatty(), log=lambda m: print(m, file=sys.stderr))
    demo = make_app(ChatApp(composer, settings), may_rebuild=may_rebuild)
    demo.queue(api_open=False, max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    # quiet: Gradio's own banner suggests share=True, which this app never does; it prints its own line
    try:
        demo.launch(
            server_name=settings.host, server_port=settings.port, share=False,
            auth=password_check(auth) if auth else None, enable_monitoring=False, show_error=False,
            prevent_thread_lock=True, quiet=True, css=CSS, footer_links=[], max_file_size=MAX_REQUEST_BYTES,
            app_kwargs={"middleware": [Middleware(RequestGuard, max_bytes=MAX_REQUEST_BYTES,
                                                  known=lambda: set(demo.fns))]},
        )
    except (OSError, ValueError) as e:  # port in use, an address this machine does not have
        reason = str(e).split(". You can specify")[0].replace("GRADIO_SERVER_PORT", "--port")
        raise SystemExit(f"error: cannot serve on {settings.host}:{settings.port}: {reason}") from None
    print(f"filmchat: the chat is ready at {demo.local_url} (Ctrl+C stops it)", flush=True)
    if block:
        demo.block_thread()
    return demo


def main():
    """`python app.py`: the same chat as `filmchat serve`, configured by FILMCHAT_* variables."""
    from .errors import UserError, guarded

    try:
        guarded(serve)(load_settings())
    except ValueError as e:  # a FILMCHAT_* variable that cannot work
        raise SystemExit(f"error: {e}") from None
    except UserError as e:
        raise SystemExit(e.message) from None
