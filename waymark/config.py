"""One settings object for every part of Waymark, read from `WAYMARK_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WAYMARK_", extra="ignore")

    data_dir: Path = Field(Path(".waymark"), description="Where the knowledge base lives.")
    knowledge_dir: Path = Field(Path("knowledge"), description="Default ingest/validate folder.")

    chroma_host: str | None = Field(None, description="Use a Chroma server, not local files.")
    chroma_port: int = 8000
    chroma_collection_prefix: str = "waymark"

    embeddings: Literal["local", "openai"] = "local"
    embeddings_base_url: str | None = None
    embeddings_model: str = "text-embedding-3-small"
    embeddings_api_key: str | None = None
    embed_threads: int = Field(0, description="onnxruntime threads; 0 lets onnxruntime choose.")

    chunk_tokens: int = Field(200, ge=40, le=2000)
    chunk_overlap: int = Field(40, ge=0, le=500)
    max_file_mb: float = Field(20.0, gt=0)

    host: str = "127.0.0.1"
    port: int = 8000
    log_content: bool = False

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "waymark.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
