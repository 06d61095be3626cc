"""taskflow's operations in the app's OpenAPI document.

taskflow answers invalid input with 400 and its own error body (declared on each route),
never FastAPI's 422 ``HTTPValidationError``, so its operations are documented without it.

Mounted on an application with its own routes (the default), taskflow's routes are left
out of the application's own document generation and added to its result: the
application's operations, schemas and security schemes stay exactly what they were
(nothing renamed by a model name that both define, no 422 removed from them); taskflow's
operations join under their own tags, a schema or security scheme whose name the
application already uses for something else is renamed ``Taskflow<Name>``, and a path
and method the application documents itself stays the application's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

__all__ = ["documented_with_400", "joined_with_taskflow"]

OpenAPIGenerator = Callable[[], dict[str, Any]]

_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented_with_400(app: FastAPI) -> OpenAPIGenerator:
    """The app's ``openapi()`` with no 422 anywhere: the reference server, and an app that
    asked for taskflow's error handling app-wide (its own routes answer 400 too)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = _without_422(generate())
        app.openapi_schema = schema
        return schema

    return openapi


def joined_with_taskflow(
    app: FastAPI, routers: Sequence[APIRouter], prefix: str, *, hosted: bool = False
) -> OpenAPIGenerator:
    """The app's own ``openapi()`` (taskflow's routes are hidden from it), with taskflow's
    operations (``routers`` under ``prefix``) added to its result. ``hosted`` (identity
    mode): the app authenticates taskflow's requests, so taskflow's operations declare
    no bearer token of their own."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        ours = _without_422(_taskflow_document(app, routers, prefix))
        if hosted:
            _without_bearer(ours)
        _add(schema, ours)
        app.openapi_schema = schema
        return schema

    return openapi


def _taskflow_document(app: FastAPI, routers: Sequence[APIRouter], prefix: str) -> dict[str, Any]:
    # The routes as the app serves them: under the same prefix, with the app's own
    # dependencies (they may add parameters) and operation ids.
    probe = APIRouter(
        dependencies=list(app.router.dependencies),
        generate_unique_id_function=app.router.generate_unique_id_function,
    )
    for router in routers:
        probe.include_router(router, prefix=prefix)
    return get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        routes=probe.routes,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path_item in schema.get("paths", {}).values()
        for method, operation in path_item.items()
        if method in _METHODS and isinstance(operation, dict)
    ]


def _without_422(schema: dict[str, Any]) -> dict[str, Any]:
    for operation in _operations(schema):
        operation.get("responses", {}).pop("422", None)
    schemas = schema.get("components", {}).get("schemas", {})
    for unused in _VALIDATION_SCHEMAS:
        schemas.pop(unused, None)
    return schema


def _without_bearer(ours: dict[str, Any]) -> None:
    for operation in _operations(ours):
        operation.pop("security", None)
    ours.get("components", {}).pop("securitySchemes", None)


def _add(schema: dict[str, Any], ours: dict[str, Any]) -> None:
    """Add taskflow's document ``ours`` to the app's ``schema``, changing none of what
    ``schema`` already holds."""
    our_components: dict[str, Any] = ours.get("components", {})
    if our_components:
        components = schema.setdefault("components", {})
        for section, rename in (("schemas", _rename_schema), ("securitySchemes", _rename_scheme)):
            theirs: dict[str, Any] = components.get(section, {})
            for name, value in list(our_components.get(section, {}).items()):
                if name in theirs and theirs[name] != value:
                    rename(ours, name, _free_name(f"Taskflow{name}", theirs, ours, section))
            for name, value in our_components.get(section, {}).items():
                components.setdefault(section, {}).setdefault(name, value)
    paths = schema.setdefault("paths", {})
    for path, path_item in ours.get("paths", {}).items():
        for method, operation in path_item.items():
            paths.setdefault(path, {}).setdefault(method, operation)


def _free_name(wanted: str, theirs: dict[str, Any], ours: dict[str, Any], section: str) -> str:
    taken = set(theirs) | set(ours.get("components", {}).get(section, {}))
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}{number}", number + 1
    return name


def _rename_schema(ours: dict[str, Any], old: str, new: str) -> None:
    schemas = ours["components"]["schemas"]
    schemas[new] = schemas.pop(old)
    old_ref, new_ref = f"#/components/schemas/{old}", f"#/components/schemas/{new}"

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") == old_ref:
                node["$ref"] = new_ref
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(ours)


def _rename_scheme(ours: dict[str, Any], old: str, new: str) -> None:
    schemes = ours["components"]["securitySchemes"]
    schemes[new] = schemes.pop(old)
    for operation in _operations(ours):
        for requirement in operation.get("security", []):
            if old in requirement:
                requirement[new] = requirement.pop(old)
