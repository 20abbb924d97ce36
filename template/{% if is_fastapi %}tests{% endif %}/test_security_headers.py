"""Security headers on every response."""

from httpx import AsyncClient


async def test_responses_carry_security_headers(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_api_responses_forbid_loading_anything(client: AsyncClient) -> None:
    response = await client.get("/healthz")

    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "cdn.jsdelivr.net" not in response.headers["Content-Security-Policy"]


async def test_error_responses_carry_security_headers_too(client: AsyncClient) -> None:
    response = await client.get("/no-such-page")

    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_hsts_is_sent_over_https_only(client: AsyncClient) -> None:
    over_http = await client.get("http://test/healthz")
    over_https = await client.get("https://test/healthz")

    assert "Strict-Transport-Security" not in over_http.headers
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
