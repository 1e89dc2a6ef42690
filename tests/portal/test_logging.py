import json
import logging

from portal.logging import JsonFormatter, TenantFilter
from portal.tenancy import current_tenant_slug


def test_each_log_line_is_json_naming_the_tenant():
    record = logging.LogRecord("billing", logging.INFO, __file__, 1, "paid %s", ("42.00",), None)
    token = current_tenant_slug.set("riverton")
    try:
        TenantFilter().filter(record)
    finally:
        current_tenant_slug.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["tenant"] == "riverton"
    assert line["message"] == "paid 42.00"
    assert line["level"] == "INFO"


def test_request_log_lines_carry_the_city(riverton, client):
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TenantFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", HTTP_HOST="riverton.localhost")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["tenant"] == "riverton"
    assert "/no-such-page/" in line["message"]
