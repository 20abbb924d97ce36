"""The OpenAPI schema and Swagger UI at /openapi.json and /docs, as DOCS_MODE says.

public: anyone may read them; basic: behind HTTP basic auth (DOCS_USERNAME,
DOCS_PASSWORD); off: both answer 404, like any unknown path. Production can turn the
docs off or lock them without a new render.
"""

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from ..deps import SettingsDep

basic = HTTPBasic(realm="API docs", auto_error=False)


async def require_docs_access(
    settings: SettingsDep, credentials: Annotated[HTTPBasicCredentials | None, Depends(basic)]
) -> None:
    """Pass when DOCS_MODE lets this request read the docs.

    Raises HTTPException 404 when DOCS_MODE is off, and 401 when it is basic and the
    request lacks DOCS_USERNAME and DOCS_PASSWORD (compared in constant time).
    """
    if settings.DOCS_MODE == "off":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Not Found")
    if settings.DOCS_MODE == "public":
        return
    if credentials is not None:
        username_ok = secrets.compare_digest(
            credentials.username.encode(), settings.DOCS_USERNAME.encode()
        )
        password_ok = secrets.compare_digest(
            credentials.password.encode(), settings.DOCS_PASSWORD.get_secret_value().encode()
        )
        if username_ok and password_ok:
            return
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Docs need a username and password",
        headers={"WWW-Authenticate": 'Basic realm="API docs"'},
    )


router = APIRouter(include_in_schema=False, dependencies=[Depends(require_docs_access)])


@router.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    """Return the OpenAPI schema, built once per app."""
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Return Swagger UI, which loads its assets from the CDN the CSP allows."""
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} - docs")
