from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


SERVICE_TIME_ZONE = ZoneInfo("Europe/London")


def service_today(now: datetime | None = None) -> date:
    """Today's date where the service works (UK time), for rules like "not in the future".

    UTC would be an hour behind all summer: just after midnight, today would be refused.
    """
    return (now or datetime.now(UTC)).astimezone(SERVICE_TIME_ZONE).date()
