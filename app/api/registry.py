"""Every API operation declared once: the decorator that serves it also describes it.

``@operation(bp, "/agreements/<number>", …)`` registers the view on the blueprint and an
:class:`Operation` in :data:`OPERATIONS`, from which app.api.openapi builds the document.
The view gets its query parameters already parsed by the ``query`` model (a refused value
is a 400 problem naming the parameter, in the caller's language) and returns a response
model, or a :class:`ApiError`. Operations served elsewhere (verification, ``/healthz``) are
described with :func:`describe` so the document covers them too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import wraps

from flask import Blueprint, Response, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ValidationError

from app.accounts.guards import public
from app.api import bearer
from app.api.problems import problem

JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One documented response: its status, what it means, and its body's model (None: a problem)."""

    status: int
    description: object  # a lazy string
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()  # integer headers (Retry-After); WWW-Authenticate is a string
    or_problem: bool = False  # the status may also come as a problem (a 404 of the routing itself)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the OpenAPI form: /api/v1/agreements/{number}
    operation_id: str
    tag: str
    summary: object  # lazy strings: the document is served in the caller's language
    description: object
    answers: tuple[Answer, ...]
    query: type[BaseModel] | None = None
    path_parameters: dict[str, object] = field(default_factory=dict)  # name -> description
    request_body: dict | None = None  # an OpenAPI requestBody, for the operations described from outside
    scope: str | None = None  # a token operation: the scope its Bearer token must hold


OPERATIONS: list[Operation] = []

TOO_MANY = Answer(429, _l("Too many requests from this address: wait as the Retry-After header says."),
                  headers=("Retry-After",))
TOKEN_TOO_MANY = Answer(429, _l("Too many requests with this token: wait as the Retry-After header says."),
                        headers=("Retry-After",))
UNAUTHENTICATED = Answer(401, _l("No token, or one that is unknown, expired or revoked: send "
                                 "Authorization: Bearer with a valid token."), headers=("WWW-Authenticate",))
FORBIDDEN = Answer(403, _l("The token does not hold the scope this operation needs."),
                   headers=("WWW-Authenticate",))
REFUSED = Answer(400, _l("A parameter's value is not accepted; the problem names it."))
# Every request is refused with a 400 when any of its values holds a NUL (app.inputs), so every
# operation documents a 400, its own or this one.
UNREADABLE = Answer(400, _l("The request holds a value that cannot be processed (a null character, "
                            "or a parameter's value that is not accepted)."))


class ApiError(Exception):
    """An answer other than the documented success: ``status`` with a problem's ``detail``."""

    def __init__(self, status: int, detail: str, **extensions) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extensions = status, detail, extensions


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z_]+:)?([a-z_]+)>", r"{\1}", rule)


def describe(op: Operation) -> None:
    if any(known.operation_id == op.operation_id for known in OPERATIONS):
        return  # the module was imported again (a second app in one process)
    if not any(answer.status == 400 for answer in op.answers):
        op = replace(op, answers=(*op.answers, UNREADABLE))
    OPERATIONS.append(op)


def _status_title(status: int) -> str:
    return {400: _("The request could not be processed"), 401: _("Not authenticated"), 403: _("Forbidden"),
            404: _("Not found"), 503: _("The service is busy")}.get(status, _("Error"))


def _refusal(error: ValidationError, model: type[BaseModel]) -> Response:
    first = error.errors()[0]
    name = str(first["loc"][0]) if first.get("loc") else "?"
    schema = model.model_json_schema()["properties"].get(name, {})
    if "minimum" in schema and "maximum" in schema:
        detail = _("The parameter “%(name)s” must be a whole number from %(low)s to %(high)s.",
                   name=name, low=schema["minimum"], high=schema["maximum"])
    elif "maxLength" in schema or any("maxLength" in s for s in schema.get("anyOf", [])):
        length = schema.get("maxLength") or next(s["maxLength"] for s in schema["anyOf"] if "maxLength" in s)
        detail = _("The parameter “%(name)s” is too long: at most %(length)s characters.", name=name, length=length)
    else:
        detail = _("The parameter “%(name)s” has a value that is not accepted.", name=name)
    return problem(400, _status_title(400), detail, parameter=name)


def json_response(model: BaseModel, status: int = 200) -> Response:
    return Response(json.dumps(model.model_dump(mode="json"), ensure_ascii=False), status=status, mimetype=JSON)


def operation(bp: Blueprint, rule: str, *, operation_id: str, tag: str, summary, description,
              answers: tuple[Answer, ...], query: type[BaseModel] | None = None,
              path_parameters: dict[str, object] | None = None, decorators: tuple[Callable, ...] = (),
              scope: str | None = None, disclosed: Callable[[BaseModel], dict] | None = None):
    """Serve ``GET rule`` (under the blueprint's prefix) with the decorated function, and describe it.

    ``scope``: a token operation (app.api.bearer): the Bearer token is checked before anything
    else, the token's own rate limit applies, and the answer is audited (``api.token_use``,
    with the parameters and what ``disclosed`` says of the answer) and committed before it is
    sent. Its 401, 403 and 429 are added to ``answers``.
    """
    prefix = bp.url_prefix or ""

    def decorate(fn: Callable[..., BaseModel]) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            params = None
            if query is not None:
                try:
                    params = kwargs["params"] = query.model_validate(request.args.to_dict())
                except ValidationError as error:
                    return _refusal(error, query)
            try:
                answer = fn(**kwargs)
            except ApiError as error:
                return problem(error.status, _status_title(error.status), error.detail, **error.extensions)
            if scope is not None:
                bearer.audit_use(operation_id, {
                    **{name: value for name, value in kwargs.items() if name != "params"},
                    **({"parameters": params.model_dump(mode="json", exclude_none=True)} if params else {}),
                    **(disclosed(answer) if disclosed else {})})
            return json_response(answer)

        served = public(view)
        for decorator in decorators:
            served = decorator(served)
        documented = answers
        if scope is not None:
            served = bearer.required(scope, operation_id)(served)
            documented = (*answers, UNAUTHENTICATED, FORBIDDEN, TOKEN_TOO_MANY)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=served, methods=["GET"])
        describe(Operation("get", _openapi_path(prefix + rule), operation_id, tag, summary, description, documented,
                           query, dict(path_parameters or {}), scope=scope))
        return served

    return decorate
