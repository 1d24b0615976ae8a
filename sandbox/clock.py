"""The sandbox clock: real time plus an offset that tests can move.

Moving it affects token expiry, the 24 h cancel windows, the 2-day retention
of IRN details and "today" for document dates. The offset lives in memory
only: a restarted sandbox runs on real time again.
"""
import threading
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")
IST_FORMAT = "%Y-%m-%d %H:%M:%S"


class Clock:

    def __init__(self):
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self):
        """Aware datetime in IST."""
        return datetime.now(IST) + self._offset

    def timestamp(self):
        return self.now().timestamp()

    def today(self):
        return self.now().date()

    def advance(self, minutes=0.0, seconds=0.0):
        with self._lock:
            self._offset += timedelta(minutes=minutes, seconds=seconds)
        return self.now()

    def set(self, moment):
        """Jump to `moment` (aware datetime, or naive meaning IST, or 'yyyy-MM-dd HH:mm:ss' IST)."""
        if isinstance(moment, str):
            moment = parse_ist(moment)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=IST)
        with self._lock:
            self._offset = moment - datetime.now(IST)
        return self.now()

    def reset(self):
        with self._lock:
            self._offset = timedelta(0)
        return self.now()

    @property
    def offset_seconds(self):
        return self._offset.total_seconds()


def to_ist(moment):
    """IST datetime from an epoch timestamp or an aware datetime."""
    if isinstance(moment, (int, float)):
        return datetime.fromtimestamp(moment, IST)
    return moment.astimezone(IST)


def fmt(moment):
    """'yyyy-MM-dd HH:mm:ss' in IST, as the IRP writes date-times."""
    return to_ist(moment).strftime(IST_FORMAT)


def fmt_minute(moment):
    """Like fmt, rounded to the nearest minute, as the IRP writes AckDt at the top level (§5.3)."""
    moment = to_ist(moment).replace(microsecond=0)
    if moment.second >= 30:
        moment += timedelta(minutes=1)
    return moment.replace(second=0).strftime(IST_FORMAT)


def parse_ist(text):
    return datetime.strptime(text, IST_FORMAT).replace(tzinfo=IST)
