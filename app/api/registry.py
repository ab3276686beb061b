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
from app.api.problems import problem

JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """One documented response: its status, what it means, and its body's model (None: a problem)."""

    status: int
    description: object  # a lazy string
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()
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


OPERATIONS: list[Operation] = []

TOO_MANY = Answer(429, _l("Too many requests from this address: wait as the Retry-After header says."),
                  headers=("Retry-After",))
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
    return {400: _("The request could not be processed"), 404: _("Not found"),
            503: _("The service is busy")}.get(status, _("Error"))


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
              path_parameters: dict[str, object] | None = None, decorators: tuple[Callable, ...] = ()):
    """Serve ``GET rule`` (under the blueprint's prefix) with the decorated function, and describe it."""
    prefix = bp.url_prefix or ""

    def decorate(fn: Callable[..., BaseModel]) -> Callable:
        @wraps(fn)
        def view(**kwargs):
            if query is not None:
                try:
                    kwargs["params"] = query.model_validate(request.args.to_dict())
                except ValidationError as error:
                    return _refusal(error, query)
            try:
                return json_response(fn(**kwargs))
            except ApiError as error:
                return problem(error.status, _status_title(error.status), error.detail, **error.extensions)

        served = public(view)
        for decorator in decorators:
            served = decorator(served)
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=served, methods=["GET"])
        describe(Operation("get", _openapi_path(prefix + rule), operation_id, tag, summary, description, answers,
                           query, dict(path_parameters or {})))
        return served

    return decorate
