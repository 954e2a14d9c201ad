"""One settings object for every part of Waymark, read from `WAYMARK_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
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
    query_threads: int = Field(0, ge=0, description="onnxruntime threads for a request's "
                               "question or note; 0: the machine's cores.")

    chunk_tokens: int = Field(200, ge=40, le=2000)
    chunk_overlap: int = Field(40, ge=0, le=500)
    max_file_mb: float = Field(20.0, gt=0)

    host: str = "127.0.0.1"
    port: int = 8000
    api_tokens_file: Path | None = Field(None, description="Hashed API tokens (waymark token).")
    max_upload_mb: float = Field(25.0, gt=0)
    max_body_kb: int = Field(512, gt=0, description="Largest JSON body accepted.")
    rate_limit_per_minute: int = Field(240, ge=1, description="Per token (or address).")
    log_content: bool = Field(False, description="Log question text and family facts (off).")

    # Optional generative answers through any OpenAI-compatible endpoint (Ollama, vLLM, ...)
    llm_base_url: str | None = None
    llm_model: str = "llama3.1"
    llm_api_key: str | None = None
    llm_timeout_s: float = Field(20.0, gt=0)
    llm_extract_facts: bool = Field(True, description="Also use the LLM to read family facts.")

    # Telegram bot
    telegram_bot_token: str | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "WAYMARK_TELEGRAM_BOT_TOKEN"))
    telegram_allowed_users: str = Field("", description="Comma-separated Telegram user ids.")
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_case_ttl_minutes: int = Field(120, ge=1)
    telegram_rate_limit_per_minute: int = Field(20, ge=1)
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: str | None = None

    @property
    def telegram_user_ids(self) -> set[int]:
        return {int(part) for part in self.telegram_allowed_users.replace(" ", "").split(",")
                if part.strip().lstrip("-").isdigit()}

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
