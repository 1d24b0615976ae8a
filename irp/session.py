"""The IRP session: auth token + SEK reused across calls and threads (nic-irp-api.md §3).

NIC blocks integrations that authenticate per transaction. A token lives 6 hours
(1 hour on NIC's sandbox); `ForceRefreshAccessToken` only yields a new one within
the last 10 minutes of its life, and re-authenticating earlier returns the same
token with the SEK encrypted under the new AppKey. So: authenticate once, reuse,
refresh in the last 10 minutes, re-authenticate once when the IRP says 1005.
"""
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import errors
from .ist import utc_now  # noqa: F401 - the one clock helper, re-exported

_logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=10)
# If a forced refresh hands back the same (old) token, our clock is ahead of the
# IRP's: keep using that token and do not ask again for this long.
REFRESH_RETRY_DELAY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionState:
    auth_token: str
    sek: bytes
    expires_at: datetime
    user_name: str
    gstin: str

    def __repr__(self):  # never show the token or the SEK in logs and tracebacks
        return f"SessionState(gstin={self.gstin!r}, user_name={self.user_name!r}, expires_at={self.expires_at!r})"

    def remaining(self, now):
        return self.expires_at - now


class MemorySessionStore:
    """Default session store: the state lives as long as the client object."""

    def __init__(self):
        self._state = None

    def load(self):
        return self._state

    def save(self, state):
        self._state = state


class SessionManager:
    """Hands out a valid SessionState, authenticating only when needed.

    `authenticate(force_refresh)` performs the HTTP exchange and returns a new
    SessionState; the store persists it (Odoo keeps it encrypted per GSTIN) so
    that other workers and later runs reuse it too.
    """

    def __init__(self, authenticate, store=None, clock=utc_now, gstin=None, user_name=None,
                 refresh_margin=REFRESH_MARGIN):
        self._authenticate = authenticate
        self.store = store if store is not None else MemorySessionStore()
        self._clock = clock
        self._gstin = gstin
        self._user_name = user_name
        self._margin = refresh_margin
        self._state = None
        self._no_refresh_before = None
        # One lock per client: while one thread authenticates, the others wait
        # for its result instead of authenticating too.
        self._lock = threading.RLock()

    def _belongs(self, state):
        return (state is not None and state.auth_token and state.sek
                and (self._gstin is None or state.gstin == self._gstin)
                and (self._user_name is None or state.user_name == self._user_name))

    def _stored(self):
        try:
            state = self.store.load()
        except Exception:  # a broken store must not stop invoicing: authenticate instead
            _logger.exception("IRP session store could not be read")
            return None
        return state if self._belongs(state) else None

    def _renew(self, force_refresh):
        state = self._authenticate(force_refresh)
        self._state = state
        try:
            self.store.save(state)
        except Exception:
            _logger.exception("IRP session store could not be written")
        return state

    def peek(self):
        """The cached state without any network call (None if there is none)."""
        with self._lock:
            return self._state or self._stored()

    def authenticate(self, force_refresh=False):
        with self._lock:
            self._no_refresh_before = None
            return self._renew(force_refresh)

    def get(self):
        """A state to call with: cached, loaded from the store, or new."""
        with self._lock:
            state = self._state or self._stored()
            if state is None:
                return self._renew(False)
            self._state = state
            now = self._clock()
            if now < state.expires_at - self._margin:
                return state
            if self._no_refresh_before and now < self._no_refresh_before:
                return state
            # Last 10 minutes (or past expiry by our clock): ask for a new token.
            try:
                new_state = self._renew(True)
            except errors.IrpError as exc:
                if exc.kind == errors.TRANSIENT and now < state.expires_at:
                    # the old token still works for a few minutes; try again later
                    _logger.warning("IRP token refresh failed (%s); using the current token", exc)
                    self._no_refresh_before = now + REFRESH_RETRY_DELAY
                    return state
                raise
            if new_state.expires_at - self._margin <= now:
                self._no_refresh_before = now + REFRESH_RETRY_DELAY
            else:
                self._no_refresh_before = None
            return new_state

    def invalidate(self, failed_state):
        """The IRP rejected `failed_state` (1005): a state to retry the call with, once."""
        with self._lock:
            if self._state is not None and self._state.auth_token != failed_state.auth_token:
                return self._state  # another thread already re-authenticated
            stored = self._stored()
            if stored is not None and stored.auth_token != failed_state.auth_token \
                    and self._clock() < stored.expires_at:
                self._state = stored  # another worker refreshed it meanwhile
                return stored
            self._state = None
            self._no_refresh_before = None
            return self._renew(True)
