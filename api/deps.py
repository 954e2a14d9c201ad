"""What a route needs from the app, as FastAPI dependencies: settings, store, answerer, cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.config import Settings
from waymark.store import Store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_answerer(request: Request) -> Answerer:
    answerer: Answerer = request.app.state.answerer
    return answerer


def get_cases(request: Request) -> Cases:
    cases: Cases = request.app.state.cases
    return cases


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
AnswererDep = Annotated[Answerer, Depends(get_answerer)]
CasesDep = Annotated[Cases, Depends(get_cases)]
