"""The vector index: one Chroma collection per embedding space, local files or a server."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from waymark.config import Settings
from waymark.errors import StoreError
from waymark.store.records import NewVersion, chunk_id, version_part

CHROMA_BATCH = 1000  # one upsert per thousand chunks: Chroma's cost is mostly per call

# One open collection per Chroma location in this process, as chromadb itself keeps one system
# per path: {location: (generation token it reflects, client, collection)}
_COLLECTIONS: dict[str, tuple[str, Any, Any]] = {}


class VectorIndex:
    def __init__(self, settings: Settings, embeddings_id: str,
                 generation_token: Callable[[], str]) -> None:
        self.settings = settings
        self.collection_name = f"{settings.chroma_collection_prefix}-{embeddings_id}"
        self._generation_token = generation_token
        self._where = (f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
                       else str(settings.chroma_path.resolve()))

    @property
    def collection(self) -> Any:
        """The Chroma collection, reopened when another process may have changed it.

        A local Chroma keeps its index in memory, so a process that did not write a generation
        would not see it; reopening whenever the active generation moves fixes that.
        """
        # a server is shared, so every client sees its writes; local files need re-reading
        token = "server" if self.settings.chroma_host else self._generation_token()
        cached = _COLLECTIONS.get(self._where)
        if cached is None or cached[0] != token:
            _COLLECTIONS[self._where] = (token, *self._open(fresh=cached is not None))
        return _COLLECTIONS[self._where][2]

    @property
    def client(self) -> Any:
        """The chromadb client behind `collection` (for langchain's Chroma wrapper)."""
        return self.collection and _COLLECTIONS[self._where][1]

    def reload(self) -> None:
        """Forget this process's view of the vectors; the next access reads them from disk."""
        for where, (_, client, collection) in list(_COLLECTIONS.items()):
            _COLLECTIONS[where] = ("stale", client, collection)

    def search(self, vector: list[float], k: int, keys: Sequence[str],
               whole_base: bool = False) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the nearest chunks among versions `keys`.

        Searching the whole active base, a metadata filter listing every version costs more
        than the search itself, so the query runs unfiltered with room to spare and drops the
        few chunks of versions kept only for readers of the previous generation.
        """
        if not keys:
            return []
        if whole_base:
            # a chunk's id starts with its version's: no metadata to fetch (half the query)
            wanted = {version_part(chunk_id(key, 0)) for key in keys}
            with self._collection() as collection:
                result = collection.query(query_embeddings=[vector], n_results=k * 2,
                                          include=["distances"])
            found = [(cid, 1.0 - float(dist)) for cid, dist in zip(
                result["ids"][0], result["distances"][0], strict=True)
                if version_part(cid) in wanted]
            if len(found) >= k or len(result["ids"][0]) < k * 2:
                return found[:k]
        with self._collection() as collection:
            result = collection.query(query_embeddings=[vector], n_results=k,
                                      include=["distances"], where=_among(keys))
        return [(cid, 1.0 - float(dist))
                for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)]

    def best_cosines(self, vectors: list[list[float]], keys: Sequence[str]) -> list[float]:
        """For each query vector, the best cosine of a chunk among versions `keys` (one batched
        query)."""
        if not keys or not vectors:
            return [0.0] * len(vectors)
        with self._collection() as collection:
            result = collection.query(query_embeddings=vectors, n_results=1,
                                      include=["distances"], where=_among(keys))
        return [1.0 - float(found[0]) if found else 0.0 for found in result["distances"]]

    def add(self, versions: Sequence[NewVersion]) -> None:
        ids, embeddings, metadatas, documents = [], [], [], []
        for version in versions:
            meta = version.meta
            for chunk, vector in zip(version.chunks, version.vectors, strict=True):
                ids.append(chunk_id(version.key, chunk.index))
                embeddings.append(vector)
                metadatas.append({"version_key": version.key, "doc_id": meta.id,
                                  "kind": meta.kind, "idx": chunk.index})
                documents.append(chunk.text)
        for at in range(0, len(ids), CHROMA_BATCH):
            with self._collection() as collection:
                collection.upsert(ids=ids[at:at + CHROMA_BATCH],
                                  embeddings=embeddings[at:at + CHROMA_BATCH],
                                  metadatas=metadatas[at:at + CHROMA_BATCH],
                                  documents=documents[at:at + CHROMA_BATCH])

    def delete(self, version_key: str) -> None:
        with self._collection() as collection:
            collection.delete(where={"version_key": version_key})

    @contextmanager
    def _collection(self) -> Iterator[Any]:
        """The collection, with any failure of the vector store turned into a StoreError (a
        503 for the API) and the connection dropped so the next call reconnects."""
        try:
            yield self.collection
        except StoreError:
            raise
        except Exception as exc:
            _COLLECTIONS.pop(self._where, None)
            raise StoreError(f"the vector store is unavailable ({type(exc).__name__}); "
                             "try again shortly") from exc

    def _open(self, fresh: bool) -> tuple[Any, Any]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            client = chromadb.HttpClient(host=self.settings.chroma_host,
                                         port=self.settings.chroma_port, settings=chroma_settings)
        else:
            if fresh:  # chromadb caches one system per path per process: drop it to re-read
                chromadb.api.client.SharedSystemClient.clear_system_cache()
            client = chromadb.PersistentClient(path=str(self.settings.chroma_path),
                                               settings=chroma_settings)
        return client, client.get_or_create_collection(
            self.collection_name, metadata={"hnsw:space": "cosine"}, embedding_function=None)


def _among(keys: Sequence[str]) -> dict[str, Any]:
    """A Chroma filter for chunks of the versions `keys`."""
    return {"version_key": keys[0]} if len(keys) == 1 else {"version_key": {"$in": list(keys)}}
