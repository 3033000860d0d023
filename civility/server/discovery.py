"""The Google API discovery document for Civility's Perspective-compatible endpoints.

Google's client libraries do not hard-code Perspective: ``googleapiclient.discovery.build(
"commentanalyzer", "v1alpha1", discoveryServiceUrl=..., developerKey=KEY)`` downloads a
*discovery document* that describes the service (its root URL, resources, methods, request
and response schemas) and builds ``.comments().analyze()`` and ``.comments().suggestscore()``
from it. Serving that document, with this server as its ``rootUrl``, is what lets such code
switch to Civility by changing only the discovery URL:

* ``GET /$discovery/rest?version=v1alpha1`` (the path Perspective's own documentation
  passes as ``discoveryServiceUrl``), and
* ``GET /discovery/v1/apis/commentanalyzer/v1alpha1/rest`` (the client's default template,
  ``.../discovery/v1/apis/{api}/{apiVersion}/rest``, on this host).

The document is written here from the API's shape (format: Google's "discovery#restDescription",
``discoveryVersion`` v1); it lists the request fields Civility honours.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

import civility
from civility.server.api.models import Out
from civility.server.errors import ERRORS, ApiError

router = APIRouter(responses=ERRORS)

SERVICE, VERSION = "commentanalyzer", "v1alpha1"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": name}


def _str(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _object(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {"id": name, "type": "object", "description": description, "properties": properties}


_SCORE_TYPES = {"type": "string", "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"],
                "description": "Only probabilities are given (the default)."}
_LANGUAGES = {"type": "array", "items": {"type": "string"},
              "description": "ISO 639-1 or BCP-47 codes of the comment's language(s)."}
_IDS = {
    "clientToken": _str("Opaque token echoed in the response; Civility also uses it as the "
                        "stored comment's id and to link feedback to it."),
    "communityId": _str("The community the comment belongs to: maps to a Civility site."),
    "sessionId": _str("Joins related calls into one session; stored with feedback."),
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "TextEntry": _object("TextEntry", "A body of text.", {
        "text": _str("The text."),
        "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT"],
                 "description": "Plain text (HTML is not accepted)."}}),
    "ArticleAndParentComment": _object(
        "ArticleAndParentComment", "The article and the comment replied to.",
        {"article": _ref("TextEntry"), "parentComment": _ref("TextEntry")}),
    "Context": _object("Context", "What the comment is about: one of the two fields.", {
        "entries": {"type": "array", "items": _ref("TextEntry"),
                    "description": "E.g. the article; used for off-topic scoring."},
        "articleAndParentComment": _ref("ArticleAndParentComment")}),
    "AttributeParameters": _object("AttributeParameters", "Options for one attribute.", {
        "scoreType": _SCORE_TYPES,
        "scoreThreshold": {"type": "number", "format": "float",
                           "description": "Leave the attribute out below this score."}}),
    "Score": _object("Score", "A score and its type.", {
        "value": {"type": "number", "format": "float"}, "type": _SCORE_TYPES}),
    "SpanScore": _object("SpanScore", "A score for part of the text.", {
        "begin": {"type": "integer", "format": "int32",
                  "description": "UTF-16 code units from the start of the text."},
        "end": {"type": "integer", "format": "int32", "description": "Exclusive."},
        "score": _ref("Score")}),
    "AttributeScores": _object("AttributeScores", "One attribute's scores.", {
        "summaryScore": _ref("Score"),
        "spanScores": {"type": "array", "items": _ref("SpanScore")}}),
    "AnalyzeCommentRequest": _object("AnalyzeCommentRequest", "What to score.", {
        "comment": _ref("TextEntry"), "context": _ref("Context"),
        "requestedAttributes": {"type": "object",
                                "additionalProperties": _ref("AttributeParameters"),
                                "description": "Attribute name (e.g. TOXICITY or "
                                               "TOXICITY@1) -> options."},
        "languages": _LANGUAGES,
        "doNotStore": {"type": "boolean", "description": "Score without storing."},
        "spanAnnotations": {"type": "boolean", "description": "Scores for the words."},
        "dropUnsupportedAttributes": {"type": "boolean", "description":
                                      "Leave out attributes the language is not supported "
                                      "for, instead of an error."},
        **_IDS}),
    "AnalyzeCommentResponse": _object("AnalyzeCommentResponse", "The scores.", {
        "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores")},
        "languages": _LANGUAGES, "detectedLanguages": _LANGUAGES,
        "clientToken": _IDS["clientToken"]}),
    "SuggestCommentScoreRequest": _object(
        "SuggestCommentScoreRequest", "A moderator's verdict on a comment, as scores.", {
            "comment": _ref("TextEntry"), "context": _ref("Context"),
            "attributeScores": {"type": "object",
                                "additionalProperties": _ref("AttributeScores"),
                                "description": "E.g. TOXICITY 1 for rejected, 0 for approved."},
            "languages": _LANGUAGES, **_IDS}),
    "SuggestCommentScoreResponse": _object("SuggestCommentScoreResponse", "Receipt.", {
        "clientToken": _IDS["clientToken"], "detectedLanguages": _LANGUAGES,
        "requestedLanguages": _LANGUAGES}),
}

_QUERY: dict[str, dict[str, Any]] = {
    "key": {"type": "string", "location": "query",
            "description": "A Civility API key (or send Authorization: Bearer)."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"],
            "description": "Response format."},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true",
                    "description": "Accepted and ignored."},
    "fields": {"type": "string", "location": "query", "description": "Accepted and ignored."},
    "quotaUser": {"type": "string", "location": "query",
                  "description": "Accepted and ignored."},
}


def _method(name: str, description: str, request: str, response: str) -> dict[str, Any]:
    path = f"{VERSION}/comments:{name}"
    return {"id": f"{SERVICE}.comments.{name}", "path": path, "flatPath": path,
            "httpMethod": "POST", "description": description, "parameters": {},
            "parameterOrder": [], "request": _ref(request), "response": _ref(response)}


def document(root_url: str) -> dict[str, Any]:
    """The discovery document with ``root_url`` (ending in ``/``) as the service's home."""
    return {
        "kind": "discovery#restDescription", "discoveryVersion": "v1",
        "id": f"{SERVICE}:{VERSION}", "name": SERVICE, "version": VERSION,
        "revision": civility.__version__, "title": "Civility (Perspective-compatible)",
        "description": "Scores comments for toxicity and more, in the shape of Perspective's "
                       "Comment Analyzer API.",
        "protocol": "rest", "rootUrl": root_url, "servicePath": "", "baseUrl": root_url,
        "batchPath": "batch", "documentationLink": f"{root_url}docs",
        "parameters": _QUERY,
        "resources": {"comments": {"methods": {
            "analyze": _method("analyze", "Scores the comment for the requested attributes.",
                               "AnalyzeCommentRequest", "AnalyzeCommentResponse"),
            "suggestscore": _method("suggestscore", "Records a moderator's verdict on a "
                                                    "comment, as scores.",
                                    "SuggestCommentScoreRequest",
                                    "SuggestCommentScoreResponse"),
        }}},
        "schemas": SCHEMAS,
    }


class DiscoveryDocument(Out):
    """Google's ``discovery#restDescription`` (:func:`document`); the resources and schemas
    follow Google's discovery format, which JSON Schema does not restate here."""

    kind: str
    discoveryVersion: str  # Google's names
    id: str
    name: str
    version: str
    revision: str
    title: str
    description: str
    protocol: str
    rootUrl: str
    servicePath: str
    baseUrl: str
    batchPath: str
    documentationLink: str
    parameters: dict[str, dict[str, Any]]
    resources: dict[str, Any]
    schemas: dict[str, dict[str, Any]]


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/"


@router.get("/$discovery/rest", tags=["perspective"],
            summary="Discovery document for Google's client libraries",
            response_model=DiscoveryDocument)
def discovery_rest(request: Request, version: str = Query(VERSION)) -> JSONResponse:
    if version != VERSION:
        raise ApiError(404, f"no discovery document for version {version!r}; "
                            f"this server speaks {SERVICE} {VERSION}")
    return JSONResponse(document(_root(request)))


@router.get(f"/discovery/v1/apis/{SERVICE}/{VERSION}/rest", tags=["perspective"],
            summary="Discovery document (the client's default URL template)",
            response_model=DiscoveryDocument)
def discovery_default(request: Request) -> JSONResponse:
    return JSONResponse(document(_root(request)))
