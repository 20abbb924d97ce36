"""The REST framework's APIView, served on the event loop: the base of the API's views.

A view's handlers (`async def get`...) run on the event loop, and so do authentication
(an authenticator's `aauthenticate`, see users/authentication.py), permissions, content
negotiation and rendering. Work that blocks runs in the request's thread, one handoff
each: the ORM's async methods (`afirst`, `acreate`...), throttles (they read the cache),
an authenticator without `aauthenticate`, and whatever a view hands over with
`sync_to_async` (password hashing).
"""

import inspect
from typing import Any, override

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class AsyncAPIView(APIView):
    """An APIView whose handlers are coroutines (OPTIONS and 405 stay synchronous: no I/O).

    What drf-spectacular documents is unchanged: the same classes, serializers and
    `extend_schema` decorators.
    """

    @override
    async def dispatch(  # pyright: ignore[reportIncompatibleMethodOverride] - async by design
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        """APIView.dispatch, awaiting authentication, throttles and the handler."""
        self.args = args
        self.kwargs = kwargs
        drf_request = self.initialize_request(request, *args, **kwargs)
        self.request = drf_request
        self.headers = self.default_response_headers
        try:
            await self.initial_async(drf_request, *args, **kwargs)
            method = (drf_request.method or "").lower()
            if method in self.http_method_names:
                handler = getattr(self, method, self.http_method_not_allowed)
            else:
                handler = self.http_method_not_allowed
            response = handler(drf_request, *args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:  # noqa: BLE001 - APIView.dispatch's contract: the handler answers
            response = self.handle_exception(exc)
        self.response = self.finalize_response(drf_request, response, *args, **kwargs)
        return rendered(self.response)

    async def initial_async(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """APIView.initial: negotiation and versioning, then authentication, permissions and
        throttles, awaiting what does I/O.
        """
        self.format_kwarg = self.get_format_suffix(**kwargs)
        renderer, media_type = self.perform_content_negotiation(request)
        request.accepted_renderer = renderer
        request.accepted_media_type = media_type
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme
        await authenticate(request)
        self.check_permissions(request)
        if self.get_throttles():
            await sync_to_async(self.check_throttles)(request)


async def authenticate(request: Request) -> None:
    """Request._authenticate, awaiting each authenticator: its `aauthenticate` when it has
    one, else its `authenticate` in the request's thread.

    Raises the authenticator's APIException (the request is then anonymous).
    """
    for authenticator in request.authenticators or ():
        authenticate_async = getattr(authenticator, "aauthenticate", None)
        try:
            if authenticate_async is not None:
                found = await authenticate_async(request)
            else:
                found = await sync_to_async(authenticator.authenticate)(request)
        except Exception:
            _set_authenticated(request, None, None, None)
            raise
        if found is not None:
            user, auth = found
            _set_authenticated(request, authenticator, user, auth)
            return
    _set_authenticated(request, None, None, None)


def _set_authenticated(request: Request, authenticator: Any, user: Any, auth: Any) -> None:
    # What Request._not_authenticated sets without an account: the anonymous user.
    user = AnonymousUser() if user is None else user
    # Request.successful_authenticator reads this private attribute, and would otherwise
    # authenticate again, synchronously (a query on the event loop).
    setattr(request, "_authenticator", authenticator)  # noqa: B010
    request.user = user
    request.auth = auth


def rendered(response: HttpResponseBase) -> HttpResponseBase:
    """Return `response` rendered, as a plain HttpResponse when it is a REST framework one.

    Django's async handler renders a lazy response in a thread; JSON needs none.
    """
    if not isinstance(response, Response):
        return response
    response.render()
    plain = HttpResponse(
        response.content, status=response.status_code, reason=response.reason_phrase
    )
    for name, value in response.items():
        plain[name] = value
    return plain
