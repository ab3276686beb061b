"""The OpenAPI 3.1 document, built from the declared operations (app.api.registry).

The schemas are the pydantic models' own JSON Schemas (2020-12, which OpenAPI 3.1 uses),
under ``components/schemas``; the texts are in the request's language. Nothing here is
written by hand per operation: an operation that is served is described, and only those.
"""

from __future__ import annotations

from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api import models
from app.api.problems import MEDIA_TYPE as PROBLEM
from app.api.registry import JSON, OPERATIONS, Operation

VERSION = "1.1.0"
REF = "#/components/schemas/{model}"
HEADER_SCHEMAS = {"Retry-After": {"type": "integer", "minimum": 0}, "WWW-Authenticate": {"type": "string"}}
NUMBER = {"type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$"}  # every path parameter is a record's number


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"Problem": models.Problem}
    for op in OPERATIONS:
        for answer in op.answers:
            if answer.model is not None:
                found[answer.model.__name__] = answer.model
    return list(found.values())


def _parameters(op: Operation) -> list[dict]:
    out = [{"name": name, "in": "path", "required": True, "description": str(text), "schema": NUMBER}
           for name, text in op.path_parameters.items()]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema["properties"].items():
            prop = dict(prop)
            description = prop.pop("description", None)
            prop.pop("title", None)
            parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if description:
                parameter["description"] = description
            out.append(parameter)
    return out


def _responses(op: Operation) -> dict:
    out = {}
    for answer in op.answers:
        model, media = (answer.model, JSON) if answer.model is not None else (models.Problem, PROBLEM)
        content = {media: {"schema": {"$ref": REF.format(model=model.__name__)}}}
        if answer.or_problem:
            content[PROBLEM] = {"schema": {"$ref": REF.format(model="Problem")}}
        response: dict = {"description": str(answer.description), "content": content}
        if answer.headers:
            response["headers"] = {name: {"schema": HEADER_SCHEMAS[name]} for name in answer.headers}
        out[str(answer.status)] = response
    return out


def document() -> dict:
    """The whole document, in the request's language."""
    _refs, definitions = models_json_schema([(model, "serialization") for model in _models()], ref_template=REF)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry = {"operationId": op.operation_id, "tags": [op.tag], "summary": str(op.summary),
                 "description": str(op.description), "parameters": _parameters(op), "responses": _responses(op)}
        if op.request_body is not None:
            entry["requestBody"] = op.request_body
        if op.scope is not None:
            entry["security"] = [{"bearer": [op.scope]}]
            entry["description"] += " " + _("Needs a token with the scope %(scope)s.", scope=op.scope)
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "PBI Registry API", "version": VERSION,
                 "description": _("The public registry of agreements, the public statistics and the verification "
                                  "of the department's documents. Errors are application/problem+json "
                                  "(RFC 9457).")},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": _("A token of the department (pbi_…), created by an administrator; sent only as "
                                 "Authorization: Bearer.")}},
        },
    }
