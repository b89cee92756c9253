"""Telegram side of Agendei: dispatcher, routers, middlewares, Notifier and the Bot API emulator."""
