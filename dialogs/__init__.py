"""aiogram-dialog dialogs of the client's conversation: booking, my bookings, privacy.

``all_dialogs()`` is what ``bot/`` includes in the dispatcher. Nothing here touches storage:
getters and handlers call use cases with the unit-of-work factory found in :class:`ChatContext`.
"""

from __future__ import annotations

from aiogram_dialog import Dialog


def all_dialogs() -> list[Dialog]:
    from .booking import booking_dialog
    from .main_menu import main_dialog, start_dialog
    from .my_bookings import my_bookings_dialog
    from .privacy import forget_dialog

    return [
        start_dialog(),
        main_dialog(),
        booking_dialog(),
        my_bookings_dialog(),
        forget_dialog(),
    ]
