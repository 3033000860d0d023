"""``POST /v1alpha1/comments:analyze`` speaks Perspective: an existing integration works by
changing only the base URL (request shape, response shape, errors, ``key`` parameter)."""

from __future__ import annotations

from typing import Any

import pytest

from civility.store import queries as q

URL = "/v1alpha1/comments:analyze"
PERSPECTIVE_ATTRIBUTES = ["TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "INSULT",
                          "PROFANITY", "THREAT", "SEXUALLY_EXPLICIT"]


def analyze(client, key: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = client.post(f"{URL}?key={key}", json=body)
    assert r.status_code == status, r.text
    return r.json()


def test_a_perspective_request_gets_a_perspective_response(client, api_key) -> None:
    out = analyze(client, api_key, {
        "comment": {"text": "You are a complete idiot."},
        "requestedAttributes": {a: {} for a in PERSPECTIVE_ATTRIBUTES}})
    assert set(out["attributeScores"]) == set(PERSPECTIVE_ATTRIBUTES)
    for name, score in out["attributeScores"].items():
        summary = score["summaryScore"]
        assert summary["type"] == "PROBABILITY" and 0 <= summary["value"] <= 1, name
        assert score["spanScores"] == [{"begin": 0, "end": 25, "score": summary}]
    assert out["languages"] == ["en"]


def test_attributes_below_their_score_threshold_are_left_out(client, api_key) -> None:
    out = analyze(client, api_key, {"comment": {"text": "Lovely weather."},
                                    "requestedAttributes": {"TOXICITY": {"scoreThreshold": 1.0},
                                                            "INSULT": {"scoreThreshold": 0}}})
    assert list(out["attributeScores"]) == ["INSULT"]


def test_span_annotations_point_at_the_offending_words(client, api_key, moderator) -> None:
    text = "Thanks for the article. You are a stupid idiot."
    out = analyze(client, api_key, {"comment": {"text": text}, "spanAnnotations": True,
                                    "requestedAttributes": {"INSULT": {}, "TOXICITY": {}}})
    verdict = moderator.moderate([text])[0]
    for name, ours in (("INSULT", "insult"), ("TOXICITY", "toxicity")):
        spans = out["attributeScores"][name]["spanScores"]
        expected = [(s.start, s.end) for s in verdict.spans if s.attribute == ours] or \
            [(0, len(text))]
        assert [(s["begin"], s["end"]) for s in spans] == expected
        for s in spans:
            assert 0 <= s["begin"] < s["end"] <= len(text)


def test_languages_client_token_and_context_are_honoured(client, api_key) -> None:
    out = analyze(client, api_key, {
        "comment": {"text": "Agreed."}, "languages": ["en-GB"], "clientToken": "abc",
        "context": {"entries": [{"text": "The article about trains."}]},
        "requestedAttributes": {"TOXICITY": {"scoreType": "PROBABILITY"}}})
    assert out["languages"] == ["en"] and out["clientToken"] == "abc"


def test_experimental_names_and_our_extra_attributes_are_understood(client, api_key) -> None:
    out = analyze(client, api_key, {"comment": {"text": "buy now"}, "requestedAttributes": {
        "SEVERE_TOXICITY_EXPERIMENTAL": {}, "SPAM": {}, "DEHUMANIZATION": {}}})
    assert set(out["attributeScores"]) == {"SEVERE_TOXICITY_EXPERIMENTAL", "SPAM",
                                           "DEHUMANIZATION"}


def test_comments_are_stored_unless_do_not_store_is_set(client, api_key, app) -> None:
    body = {"comment": {"text": "kept"}, "requestedAttributes": {"TOXICITY": {}}}
    analyze(client, api_key, body)
    analyze(client, api_key, {**body, "comment": {"text": "forgotten"}, "doNotStore": True})
    with app.state.store.session() as db:
        texts = [i.text for i in q.review_queue(db, status=None).items]
    assert texts == ["kept"]


def test_the_key_may_also_come_as_a_bearer_token(client, api_key) -> None:
    r = client.post(URL, json={"comment": {"text": "hi"}, "requestedAttributes": {"INSULT": {}}},
                    headers={"Authorization": f"Bearer {api_key}"})
    assert r.status_code == 200
    assert client.post(URL, json={"comment": {"text": "hi"},
                                  "requestedAttributes": {"INSULT": {}}}).status_code == 401


def error_of(client, key: str, body: Any) -> dict[str, Any]:
    r = client.post(f"{URL}?key={key}", json=body)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT" and err["message"]
    return err


def test_unknown_attributes_get_a_perspective_style_400(client, api_key) -> None:
    err = error_of(client, api_key, {"comment": {"text": "hi"},
                                     "requestedAttributes": {"FLIRTATION": {}}})
    assert "FLIRTATION" in err["message"]
    assert err["details"][0]["@type"].endswith("commentanalyzer.v1alpha1.Error")
    assert err["details"][0]["errorType"] == "UNKNOWN_ATTRIBUTE"


def test_unsupported_languages_get_a_perspective_style_400(client, api_key) -> None:
    err = error_of(client, api_key, {"comment": {"text": "hola"}, "languages": ["es"],
                                     "requestedAttributes": {"TOXICITY": {}}})
    assert err["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert "es" in err["message"]


def test_detected_languages_are_reported_truthfully(client, api_key) -> None:
    def languages(text: str) -> tuple[list[str], list[str]]:
        out = analyze(client, api_key, {"comment": {"text": text}, "doNotStore": True,
                                        "requestedAttributes": {"TOXICITY": {}}})
        return out["languages"], out["detectedLanguages"]

    assert languages("Министр должен уйти в отставку после такого провала.") == (["ru"], ["ru"])
    assert languages("The minister should resign after this mess.") == (["en"], ["en"])
    # Too short to tell: nothing is claimed, and the scores are the English model's.
    assert languages("ok 👍") == (["en"], [])


def test_requested_languages_are_echoed_whatever_is_detected(client, api_key) -> None:
    out = analyze(client, api_key, {
        "comment": {"text": "Der Minister sollte nach diesem Debakel zurücktreten."},
        "languages": ["en"], "doNotStore": True, "requestedAttributes": {"TOXICITY": {}}})
    assert out["languages"] == ["en"] and out["detectedLanguages"] == ["de"]


def test_an_unsupported_requested_language_error_names_the_detected_one(client, api_key) -> None:
    err = error_of(client, api_key, {
        "comment": {"text": "El ministro debería dimitir después de semejante desastre."},
        "languages": ["es"], "requestedAttributes": {"TOXICITY": {}}})
    detail = err["details"][0]
    assert detail["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert detail["languageNotSupportedByAttributeError"] == {
        "detectedLanguages": ["es"], "attribute": "TOXICITY"}


def test_self_harm_is_one_of_our_extra_attributes(client, api_key) -> None:
    out = analyze(client, api_key, {"comment": {"text": "I've been thinking about ending it."},
                                    "doNotStore": True, "requestedAttributes": {"SELF_HARM": {}}})
    assert out["attributeScores"]["SELF_HARM"]["summaryScore"]["value"] >= 0.5


@pytest.mark.parametrize("body", [
    {"requestedAttributes": {"TOXICITY": {}}},
    {"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}},
    {"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}},
    {"comment": {"text": "hi"}},
    {"comment": {"text": "hi"}, "requestedAttributes": {}},
    {"comment": {"text": "hi"}, "requestedAttributes": ["TOXICITY"]},
    {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 2}}},
    {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {"scoreType": "RAW"}}},
    {"comment": {"text": "hi", "type": "HTML"}, "requestedAttributes": {"TOXICITY": {}}},
    {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "languages": "en"},
    {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"},
    {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}}, "context": {"x": 1}},
    [], "comment",
])
def test_bad_requests_are_400_never_500(client, api_key, body) -> None:
    error_of(client, api_key, body)
