"""aiogram-dialog dialogs: the client booking flow, my bookings, provider flows."""
