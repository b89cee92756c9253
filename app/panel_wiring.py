"""Wiring of the panel: builds its parts from the container and mounts them on the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

if TYPE_CHECKING:
    from .wiring import Container


def plug(app: FastAPI, container: Container, with_workers: bool) -> None:
    """Not wired yet."""
