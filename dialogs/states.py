"""Every state of the client's conversation, in one place."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class StartSG(StatesGroup):
    choose = State()  # no business known yet: ask for the link / pick one booked before


class MainSG(StatesGroup):
    menu = State()
    about = State()
    language = State()


class BookSG(StatesGroup):
    service = State()
    day = State()
    staff = State()
    time = State()
    name = State()
    phone = State()
    review = State()
    taken = State()
    result = State()


class MyBookingsSG(StatesGroup):
    upcoming = State()
    detail = State()
    cancel = State()
    past = State()


class ForgetSG(StatesGroup):
    confirm = State()
