"""Indian Standard Time, the one clock the IRP speaks: its date-times are IST text,
its dates are judged in India. Everything else in irp/ is aware UTC."""
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")

# IRP formats first; the e-way bill system (cancel EWB) writes 12-hour dd/MM/yyyy times.
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %I:%M %p",
    "%Y-%m-%dT%H:%M:%S",
)


def utc_now():
    return datetime.now(timezone.utc)


def today():
    """Today's date in India (what the IRP judges document dates by)."""
    return datetime.now(IST).date()


def date_of(moment):
    """The Indian calendar date of a moment (aware; naive means IST already)."""
    return (moment.astimezone(IST) if moment.tzinfo else moment).date()


def parse_ist(value):
    """IRP date-time text (IST) -> aware datetime in UTC; None for empty values."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=IST)
        return moment.astimezone(timezone.utc)
    text = str(value).strip()
    for fmt in _DATETIME_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=IST).astimezone(timezone.utc)
    raise ValueError(f"unrecognised IRP date-time {text!r}")


def format_ist(moment):
    """Aware datetime (naive means UTC) -> the IRP's 'yyyy-MM-dd HH:mm:ss' in IST."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S")
