"""docker-compose.yml: the portal is reachable only through its proxy, which appends the client's address."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def services() -> dict[str, str]:
    """Each service's block of docker-compose.yml, by name (two-space indented keys under services:)."""
    text = (ROOT / "docker-compose.yml").read_text()
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    blocks: dict[str, str] = {}
    name = None
    for line in body.splitlines():
        if line.startswith("  ") and not line.startswith("   ") and line.rstrip().endswith(":"):
            name = line.strip()[:-1]
            blocks[name] = ""
        elif name:
            blocks[name] += line + "\n"
    return blocks


def test_only_the_proxy_publishes_a_port():
    blocks = services()
    assert {"web", "proxy", "worker", "beat", "postgres", "redis"} <= set(blocks)
    assert [name for name, block in blocks.items() if "ports:" in block] == ["proxy"]
    assert 'expose: ["8000"]' in blocks["web"]


def test_the_proxy_forwards_to_web_and_appends_the_address_it_saw():
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web:8000;" in conf
    assert conf.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == 2
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in conf
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services()["proxy"]


def test_the_portal_trusts_exactly_one_proxy_by_default():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "TRUSTED_PROXY_COUNT: ${TRUSTED_PROXY_COUNT:-1}" in compose
    assert "TRUSTED_PROXY_COUNT=1" in (ROOT / ".env.example").read_text()
