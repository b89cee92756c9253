"""Notifications: rendering each due action in the recipient's language and delivering it."""

from .callbacks import AttendanceAnswer, BookAgain, ProviderAction
from .handler import DeliveryHandler

__all__ = ["AttendanceAnswer", "BookAgain", "DeliveryHandler", "ProviderAction"]
