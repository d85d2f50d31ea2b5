"""Money and dates as people read them: one place, used by services, views and emails.
A leaf module: it imports nothing of the platform's apps."""

import datetime as dt
from decimal import Decimal


def money(amount: Decimal | int) -> str:
    return f"£{Decimal(amount):,.2f}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def latin1(text: str) -> str:
    """Text for the core PDF fonts, which cover Latin-1: anything else is replaced rather
    than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")
