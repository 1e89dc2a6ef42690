"""Hooks other apps register into, so that portal never imports them.

  page_context     callables(request) -> dict, merged into every page's context (after login)
  landing_context  callables(request) -> dict, for the logged-out landing page
  module_filters   callables(tenant, modules) -> modules, which Where To? tiles the welcome shows
  health_checks    name -> callable() returning {city slug or part: {"ok": bool, ...}}
  city_context     callables(request) -> dict, merged into every page of a city (signed in or not)
  csp_sources      callables(request) -> {directive: [sources]}, added to this page's CSP header
"""

from __future__ import annotations

from typing import Callable

page_context: list[Callable] = []
landing_context: list[Callable] = []
module_filters: list[Callable] = []
health_checks: dict[str, Callable] = {}
city_context: list[Callable] = []
csp_sources: list[Callable] = []


def _add(hooks: list, fn: Callable) -> Callable:
    if fn not in hooks:
        hooks.append(fn)
    return fn


def add_page_context(fn: Callable) -> Callable:
    return _add(page_context, fn)


def add_landing_context(fn: Callable) -> Callable:
    return _add(landing_context, fn)


def add_module_filter(fn: Callable) -> Callable:
    return _add(module_filters, fn)


def add_city_context(fn: Callable) -> Callable:
    return _add(city_context, fn)


def add_csp_sources(fn: Callable) -> Callable:
    return _add(csp_sources, fn)


def add_health_check(name: str, fn: Callable) -> Callable:
    health_checks[name] = fn
    return fn


def merged(hooks: list[Callable], request) -> dict:
    out: dict = {}
    for hook in hooks:
        out.update(hook(request))
    return out
