"""``/openapi.json`` documents every operation's response body, and the bodies the real app
answers are what it documents.

Client generators and API consoles read the schema: an operation documented as "any object"
tells them nothing. So every operation's success response must name its fields (a schema with
properties, through a ``$ref`` or directly) or a non-JSON media type (Prometheus' text); every
operation that takes input documents its errors in the shape the app answers (Google's
envelope, or OpenAI's under ``/v1/``), never FastAPI's 422, which the app turns into a 400.
Then real requests to the real app are checked against those schemas with ``jsonschema``.
"""

from __future__ import annotations

from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema")

from civility.store.accounts import create_api_key  # noqa: E402
from tests.test_admin import sign_in  # noqa: E402

#: The schema is the same on every backend: build the app on SQLite only.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in spec["paths"].items()
            for method, op in item.items()]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _names_its_fields(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = _resolve(spec, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return all(_names_its_fields(spec, s) for s in schema.get("anyOf", schema.get("oneOf")))
    return bool(schema.get("properties"))


def _success_bodies(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{media type: schema}`` of the operation's 2xx responses that have a body."""
    return {media: content.get("schema", {})
            for code, response in op["responses"].items() if code.startswith("2")
            for media, content in response.get("content", {}).items()}


@sqlite_only
def test_every_operation_documents_the_fields_of_its_response_body(app) -> None:
    spec = app.openapi()
    undocumented = []
    for method, path, op in _operations(spec):
        bodies = _success_bodies(op)
        json_ok = all(_names_its_fields(spec, schema) for media, schema in bodies.items()
                      if media == "application/json")
        if not bodies or not json_ok:
            undocumented.append(f"{method} {path}: {bodies}")
    assert not undocumented, "\n".join(undocumented)


@sqlite_only
def test_every_operation_that_takes_input_documents_its_errors_as_the_app_answers_them(
        app) -> None:
    spec = app.openapi()
    wrong = []
    for method, path, op in _operations(spec):
        if not op.get("parameters") and "requestBody" not in op:
            continue
        expected = "OpenAIErrorResponse" if path.startswith("/v1/") else "ErrorResponse"
        errors = op["responses"].get("4XX", {})
        ref = errors.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
        if "422" in op["responses"] or ref != f"#/components/schemas/{expected}":
            wrong.append(f"{method} {path}: {sorted(op['responses'])} {ref}")
    assert not wrong, "\n".join(wrong)


def _check(spec: dict[str, Any], response: Any, method: str, path: str) -> Any:
    """Validate a real response against the schema documented for its operation and status."""
    op = spec["paths"][path][method.lower()]
    documented = op["responses"].get(str(response.status_code)) or op["responses"][
        f"{str(response.status_code)[0]}XX"]
    media = response.headers["content-type"].split(";")[0]
    schema = documented["content"][media]["schema"]
    body = response.json()
    jsonschema.validate(body, {**schema, "components": spec["components"]},
                        cls=jsonschema.Draft202012Validator)
    return body


def test_real_responses_match_their_documented_schemas(client, auth, app) -> None:
    spec = client.get("/openapi.json").json()
    key = auth["Authorization"].removeprefix("Bearer ")

    def call(method: str, path: str, url: str | None = None, **kw: Any) -> Any:
        response = client.request(method, url or path, headers=auth, **kw)
        assert response.status_code < 500, response.text
        return _check(spec, response, method, path)

    one = call("POST", "/api/v1/comments", json={"id": "c1", "text": "You are an idiot.",
                                                  "author": "bob", "article_id": "a1"})
    again = call("POST", "/api/v1/comments", json={"id": "c1", "text": "You are an idiot."})
    assert again["duplicate"] is True and one["id"] == "c1"
    many = call("POST", "/api/v1/comments", json={
        "article": {"id": "a2", "title": "Housing"},
        "comments": [{"id": "c2", "text": "Good plan."}, {"id": "c3", "text": "Muslims are "
                                                                              "vermin."}]})
    assert len(many["results"]) == 2
    stored = call("GET", "/api/v1/comments/{external_id}", "/api/v1/comments/c1")
    call("GET", "/api/v1/comments/by-id/{comment_id}",
         f"/api/v1/comments/by-id/{stored['internal_id']}")
    call("POST", "/api/v1/comments/{external_id}/decision", "/api/v1/comments/c1/decision",
         json={"action": "reject", "reason": "insult"})
    call("POST", "/api/v1/decisions", json={"ids": [stored["internal_id"]],
                                            "action": "publish"})
    call("GET", "/api/v1/queue", "/api/v1/queue?status=all")
    call("PUT", "/api/v1/articles/{external_id}", "/api/v1/articles/a3", json={"title": "T"})
    call("GET", "/api/v1/articles")
    call("GET", "/api/v1/articles/{external_id}/report", "/api/v1/articles/a2/report")
    call("GET", "/api/v1/stats")
    call("GET", "/api/v1/audit")
    call("GET", "/api/v1/authors")
    call("GET", "/api/v1/authors/{author}", "/api/v1/authors/bob")
    call("POST", "/api/v1/authors/{author}/actions", "/api/v1/authors/bob/actions",
         json={"action": "suspend", "days": 2, "reason": "insults"})
    # Perspective, with every optional part of its answer present
    analyze = "/v1alpha1/comments:analyze"
    scores = call("POST", analyze, f"{analyze}?key={key}", json={
        "comment": {"text": "You are an idiot 😀."}, "clientToken": "t-1",
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {"scoreThreshold": 0.0}},
        "spanAnnotations": True, "languages": ["en"]})
    assert scores["clientToken"] == "t-1"
    call("POST", "/v1alpha1/comments:suggestscore", json={
        "comment": {"text": "You are an idiot 😀."}, "clientToken": "t-1",
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}, "spanScores": [
            {"begin": 0, "end": 3, "score": {"value": 1}}]}}})
    feedback = call("GET", "/api/v1/feedback")
    assert feedback["items"][0]["scores"][1]["start"] == 0
    call("GET", "/api/v1/comments/{external_id}", "/api/v1/comments/t-1")
    call("GET", "/$discovery/rest")
    # OpenAI, and errors in both dialects
    call("POST", "/v1/moderations", json={"input": ["Great reporting.", ""]})
    error = call("POST", "/v1/moderations", json={"input": 5})
    assert error["error"]["param"] == "input"
    error = call("POST", "/api/v1/comments", json={"text": ""})
    assert error["error"]["status"] == "INVALID_ARGUMENT"
    error = call("GET", "/api/v1/comments/{external_id}", "/api/v1/comments/nope")
    assert error["error"]["code"] == 404
    call("GET", "/healthz")


def test_admin_responses_match_their_documented_schemas(client, app) -> None:
    spec = client.get("/openapi.json").json()
    csrf = sign_in(app, client, "root", "admin")

    def call(method: str, path: str, url: str | None = None, **kw: Any) -> Any:
        response = client.request(method, url or path, headers=csrf, **kw)
        assert response.status_code < 300, response.text
        return _check(spec, response, method, path)

    call("POST", "/api/v1/admin/users", json={"username": "mod", "password": "p" * 9})
    call("PATCH", "/api/v1/admin/users/{username}", "/api/v1/admin/users/mod",
         json={"active": False})
    call("GET", "/api/v1/admin/users")
    key = call("POST", "/api/v1/admin/keys", json={"name": "k", "rate_limit": 5})
    call("GET", "/api/v1/admin/keys")
    call("DELETE", "/api/v1/admin/keys/{prefix}", f"/api/v1/admin/keys/{key['prefix']}")
    call("PUT", "/api/v1/admin/sites/{name}/webhook", "/api/v1/admin/sites/default/webhook",
         json={"url": "https://example.invalid/hook"})
    call("GET", "/api/v1/admin/sites")
    call("PUT", "/api/v1/admin/sites/{name}/rules", "/api/v1/admin/sites/default/rules",
         json={"rejection_rate": 0.5, "banned_words": ["buy followers"]})
    call("GET", "/api/v1/admin/sites/{name}/rules", "/api/v1/admin/sites/default/rules")


#: What schemathesis checks of each answer, beyond "not a 5xx".
CONFORMANCE = ("response_schema_conformance", "status_code_conformance",
               "content_type_conformance")


@sqlite_only
def test_every_answer_to_fuzzed_requests_is_documented(make_app) -> None:
    """Valid and invalid requests to every operation (``tests/test_fuzz.py``'s): each
    answer's status, media type and body are the ones ``/openapi.json`` documents for it."""
    pytest.importorskip("schemathesis")
    from schemathesis.python import asgi

    from tests.test_fuzz import fuzz

    app = make_app(rate_limit=1e9, rate_burst=1e9)
    with app.state.store.session() as db:
        key, _ = create_api_key(db, "fuzz", scopes="score read moderate admin")
    try:
        sent, _, problems = fuzz(app, key, CONFORMANCE)
    finally:
        asgi.shutdown_lifespans()
    assert sent > 0
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])
