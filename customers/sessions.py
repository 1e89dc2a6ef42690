"""Sessions read from the cache together with their user: one cache round trip per signed-in request.

SESSION_ENGINE = "customers.sessions": Django's cached_db sessions (written to the database and
the cache, read from the cache). Once this process has seen which user a session key belongs to
(a key never changes hands: logging in gives a new key), loading the session also fetches that
user's entry of customers/user_cache.py in the same get_many. The fetched entry is used only by
the get_user call that loaded the session, and only if the session still names that user;
otherwise the user is read on its own, as before.
"""

from __future__ import annotations

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from django.utils.functional import SimpleLazyObject

from . import user_cache
from .user_cache import prefetched

_user_of_session: dict[str, str] = {}


class SessionStore(CachedDbStore):
    def load(self):
        box = prefetched.get()
        user_id = _user_of_session.get(self.session_key or "")
        if box is None or user_id is None:
            return self._remember(super().load())
        user_key = user_cache.cache_key(user_id)
        try:
            got = self._cache.get_many([self.cache_key, user_key])
        except Exception:  # as cached_db: a cache that fails falls back to the database
            got = {}
        box[user_key] = got.get(user_key)
        data = got.get(self.cache_key)
        return self._remember(data if data is not None else super().load())

    def _remember(self, data: dict) -> dict:
        user_id = data.get(SESSION_KEY)
        if user_id is not None and self.session_key:
            if len(_user_of_session) > 50_000:
                _user_of_session.clear()
            _user_of_session[self.session_key] = user_id
        return data


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        token = prefetched.set({})
        try:
            request._cached_user = auth.get_user(request)
        finally:
            prefetched.reset(token)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with the user loaded so that the session's load can bring it along.

    Before each view it also applies an office admin's "view as customer" (customers/view_as.py):
    the one place that decides which user a customer page reads while the session stays the clerk's.
    """

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        from . import view_as

        return view_as.handle(request, view_func, view_args, view_kwargs)
