"""FastAPI dependency that hands routes the app's ``EmulatorState``.

The state lives on ``app.state`` (set by ``create_emulator_app``) rather than in a module
global, so several emulators can run side by side and nothing exists at import time.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from .state import EmulatorState


def get_state(request: Request) -> EmulatorState:
    """The emulator state of the app serving this request."""
    return cast(EmulatorState, request.app.state.emulator)


StateDep = Annotated[EmulatorState, Depends(get_state)]
