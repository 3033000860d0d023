"""Civility speaks Perspective: an existing integration works by changing only the base URL
(``comments:analyze`` and ``comments:suggestscore``: request shape, response shape, errors,
UTF-16 offsets, ``key`` parameter), and Google's own client works by changing only the
discovery URL. Traffic from a client that only switched its base URL stays out of the queue
unless the site opts in."""

from __future__ import annotations

import json
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


# --------------------------------------------------------------------------- faithful details


def test_a_model_versioned_attribute_name_is_understood_and_echoed(client, api_key) -> None:
    out = analyze(client, api_key, {"comment": {"text": "You are a complete idiot."},
                                    "doNotStore": True,
                                    "requestedAttributes": {"TOXICITY@1": {}, "insult@2": {}}})
    assert set(out["attributeScores"]) == {"TOXICITY@1", "insult@2"}
    assert out["attributeScores"]["TOXICITY@1"]["summaryScore"]["value"] >= 0.5
    err = error_of(client, api_key, {"comment": {"text": "hi"},
                                     "requestedAttributes": {"TOXICITY@latest": {}}})
    assert err["details"][0]["errorType"] == "UNKNOWN_ATTRIBUTE"


def test_span_offsets_count_utf16_code_units_as_perspective_does(client, api_key) -> None:
    text = "🙂🙂 You are a stupid idiot."  # two emoji: 2 Python characters, 4 UTF-16 units
    out = analyze(client, api_key, {"comment": {"text": text}, "spanAnnotations": True,
                                    "doNotStore": True, "requestedAttributes": {"INSULT": {}}})
    spans = out["attributeScores"]["INSULT"]["spanScores"]
    units = text.encode("utf-16-le")
    flagged = [units[2 * s["begin"]:2 * s["end"]].decode("utf-16-le") for s in spans]
    assert "stupid idiot" in flagged, (spans, flagged)
    assert spans[flagged.index("stupid idiot")]["begin"] == text.index("stupid") + 2
    whole = analyze(client, api_key, {"comment": {"text": text}, "doNotStore": True,
                                      "requestedAttributes": {"INSULT": {}}})
    assert whole["attributeScores"]["INSULT"]["spanScores"][0]["end"] == len(units) // 2 \
        == len(text) + 2


def test_utf16_offsets_map_both_ways_and_never_split_a_character() -> None:
    from civility.server.perspective import Utf16

    text = "a😀b"
    offsets = Utf16(text)
    assert [offsets.units(i) for i in range(4)] == [0, 1, 3, 4]
    assert [offsets.index(u) for u in range(5)] == [0, 1, None, 2, 3]
    assert offsets.index(5) is None and Utf16("abc").index(3) == 3
    assert Utf16("é€").units(2) == 2  # BMP characters are one unit each


def test_perspective_error_types_come_in_googles_envelope(make_app) -> None:
    from fastapi.testclient import TestClient

    from civility.store.accounts import create_api_key

    app = make_app(max_comment_chars=40)
    with TestClient(app) as client:
        with app.state.store.session() as db:
            key, _ = create_api_key(db, "t", scopes="score")
        for body, error_type in (
                ({"comment": {"text": "   "}, "requestedAttributes": {"TOXICITY": {}}},
                 "COMMENT_EMPTY"),
                ({"comment": {"text": "x" * 41}, "requestedAttributes": {"TOXICITY": {}}},
                 "COMMENT_TOO_LONG"),
                ({"comment": {"text": "hi"}, "requestedAttributes": {}},
                 "NO_REQUESTED_ATTRIBUTES")):
            err = error_of(client, key, body)
            assert err["details"] == [{
                "@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                "errorType": error_type}], err


def test_drop_unsupported_attributes_answers_no_scores_instead_of_an_error(
        client, api_key) -> None:
    text = "El ministro debería dimitir después de semejante desastre."
    out = analyze(client, api_key, {"comment": {"text": text}, "languages": ["es"],
                                    "dropUnsupportedAttributes": True,
                                    "requestedAttributes": {"TOXICITY": {}}})
    assert out["attributeScores"] == {} and out["detectedLanguages"] == ["es"]
    assert out["languages"] == ["es"]
    # Without languages, the detected one decides what is dropped.
    out = analyze(client, api_key, {"comment": {"text": text}, "dropUnsupportedAttributes": True,
                                    "requestedAttributes": {"TOXICITY": {}}})
    assert out["attributeScores"] == {}
    english = analyze(client, api_key, {"comment": {"text": "You are a complete idiot."},
                                        "dropUnsupportedAttributes": True, "doNotStore": True,
                                        "requestedAttributes": {"TOXICITY": {}}})
    assert set(english["attributeScores"]) == {"TOXICITY"}


def test_article_and_parent_comment_context_is_accepted(client, api_key) -> None:
    context = {"articleAndParentComment": {"article": {"text": "The council voted on rail."},
                                           "parentComment": {"text": "Trains are late."}}}
    out = analyze(client, api_key, {"comment": {"text": "They are."}, "context": context,
                                    "doNotStore": True, "requestedAttributes": {"OFF_TOPIC": {}}})
    assert "OFF_TOPIC" in out["attributeScores"]
    error_of(client, api_key, {"comment": {"text": "hi"}, "requestedAttributes": {"TOXICITY": {}},
                               "context": {**context, "entries": [{"text": "both"}]}})


# --------------------------------------------------------------------------- not flooding the queue


HELD = "You are a complete idiot."  # the default policy holds it for review


def test_a_client_that_only_switched_its_base_url_does_not_fill_the_queue(
        client, api_key, auth, app) -> None:
    stored = analyze(client, api_key, {"comment": {"text": HELD}, "clientToken": "cms-1",
                                       "requestedAttributes": {"TOXICITY": {}}})
    assert stored["attributeScores"]["TOXICITY"]["summaryScore"]["value"] >= 0.85
    comment = client.get("/api/v1/comments/cms-1", headers=auth).json()
    assert comment["status"] == "review" and comment["origin"] == "perspective"
    assert comment["queued"] is False
    assert client.get("/api/v1/queue", headers=auth).json()["total"] == 0
    with app.state.store.session() as db:
        assert q.counts_by_status(db)["review"] == 0
        q.set_site_queue_compat(db, "default", True)
    analyze(client, api_key, {"comment": {"text": HELD + " Truly."}, "clientToken": "cms-2",
                              "requestedAttributes": {"TOXICITY": {}}})
    queue = client.get("/api/v1/queue", headers=auth).json()
    assert [i["id"] for i in queue["items"]] == ["cms-2"]  # from the opt-in on, not before


def test_the_openai_endpoint_stores_and_queues_only_for_a_site_that_opted_in(
        client, auth, app) -> None:
    def moderate() -> None:
        r = client.post("/v1/moderations", json={"input": [HELD, ""]}, headers=auth)
        assert r.status_code == 200 and len(r.json()["results"]) == 2

    moderate()
    assert client.get("/api/v1/queue?status=all", headers=auth).json()["total"] == 0
    with app.state.store.session() as db:
        q.set_site_queue_compat(db, "default", True)
    moderate()
    queue = client.get("/api/v1/queue", headers=auth).json()
    assert [i["text"] for i in queue["items"]] == [HELD]


def test_a_repeated_client_token_with_new_text_is_stored_as_a_new_comment(
        client, api_key, auth) -> None:
    for text in ("First version.", "First version.", "Something else entirely."):
        analyze(client, api_key, {"comment": {"text": text}, "clientToken": "tok",
                                  "requestedAttributes": {"TOXICITY": {}}})
    texts = sorted(i["text"] for i in
                   client.get("/api/v1/queue?status=all", headers=auth).json()["items"])
    assert texts == ["First version.", "Something else entirely."]


# --------------------------------------------------------------------------- suggestscore


SUGGEST = "/v1alpha1/comments:suggestscore"


def suggest(client, key: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = client.post(f"{SUGGEST}?key={key}", json=body)
    assert r.status_code == status, r.text
    return r.json()


def coral_feedback(comment_id: str, text: str, *, rejected: bool,
                   story: str = "https://news.example.com/2025/rail-vote") -> dict[str, Any]:
    """The body Coral sends after a moderator's decision (coralproject/talk
    server/src/core/server/services/perspective/perspective.ts, formatBody)."""
    return {
        "comment": {"text": text},
        "context": {"entries": [{"text": json.dumps({
            "url": f"{story}?commentID={comment_id}",
            "Coral_comment_id": comment_id})}]},
        "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1 if rejected else 0}}},
        "languages": ["en"],
        "communityId": "Coral:https://talk.example.com/",
        "clientToken": f"comment:{comment_id}",
    }


def test_suggestscore_round_trip_feedback_shows_on_the_comment_and_in_the_audit_log(
        client, api_key, auth, app) -> None:
    analyze(client, api_key, {"comment": {"text": HELD}, "clientToken": "comment:c-77",
                              "sessionId": "s-1", "requestedAttributes": {"TOXICITY": {}}})
    out = suggest(client, api_key, {
        "comment": {"text": HELD}, "clientToken": "comment:c-77", "sessionId": "s-1",
        "communityId": "newsroom", "languages": ["en"],
        "attributeScores": {"TOXICITY@1": {"summaryScore": {"value": 1}},
                            "INSULT": {"spanScores": [{"begin": 19, "end": 24,
                                                       "score": {"value": 1}}]}}})
    assert out == {"clientToken": "comment:c-77", "detectedLanguages": ["en"],
                   "requestedLanguages": ["en"]}
    comment = client.get("/api/v1/comments/comment:c-77", headers=auth).json()
    [feedback] = comment["feedback"]
    assert feedback["client_token"] == "comment:c-77" and feedback["session_id"] == "s-1"
    assert feedback["community_id"] == "newsroom" and feedback["text"] == HELD
    assert feedback["scores"] == [
        {"attribute": "toxicity", "name": "TOXICITY@1", "value": 1.0},
        {"attribute": "insult", "name": "INSULT", "value": 1.0, "start": 19, "end": 24}]
    audit = client.get("/api/v1/audit?action=comment.feedback", headers=auth).json()
    [entry] = audit["items"]
    assert entry["subject_id"] == "comment:c-77" and entry["actor"] == "apikey:tests"
    assert entry["details"]["scores"] == {"TOXICITY@1": 1.0}
    assert HELD not in json.dumps(entry)  # the audit log keeps no comment text
    listed = client.get("/api/v1/feedback", headers=auth).json()
    assert listed["total"] == 1 and listed["items"][0]["comment"]["id"] == "comment:c-77"
    with app.state.store.session() as db:
        assert q.verify_audit_log(db).ok  # the entry is part of the hash chain


def test_feedback_about_a_comment_civility_never_stored_is_kept_with_its_text(
        client, api_key, auth) -> None:
    out = suggest(client, api_key, coral_feedback("abc-1", "Nobody asked, moron.",
                                                  rejected=True))
    assert out["clientToken"] == "comment:abc-1"
    [item] = client.get("/api/v1/feedback", headers=auth).json()["items"]
    assert item["comment"] is None and item["text"] == "Nobody asked, moron."
    assert item["community_id"] == "Coral:https://talk.example.com/"
    assert item["scores"] == [{"attribute": "toxicity", "name": "TOXICITY", "value": 1.0}]
    assert json.loads(item["context"]["entries"][0])["Coral_comment_id"] == "abc-1"


def test_the_moderator_sees_feedback_on_the_comment_page(client, api_key, app) -> None:
    from civility.store.accounts import create_moderator
    from tests.test_ui import PASSWORD, csrf_of

    analyze(client, api_key, {"comment": {"text": HELD}, "clientToken": "c-9",
                              "requestedAttributes": {"TOXICITY": {}}})
    suggest(client, api_key, {"comment": {"text": HELD}, "clientToken": "c-9",
                              "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}}})
    with app.state.store.session() as db:
        create_moderator(db, "mod", PASSWORD)
        internal = q.comment_by_external(db, 1, "c-9").id
    page = client.get("/login")
    client.post("/login", data={"username": "mod", "password": PASSWORD,
                                "csrf_token": csrf_of(page.text), "next": "/queue"})
    html = client.get(f"/comments/{internal}").text
    assert "TOXICITY 0.00" in html and "suggested by apikey:tests" in html
    assert "via the Perspective endpoint" in html and "Not in the queue" in html


@pytest.mark.parametrize("body", [
    {"comment": {"text": "hi"}},
    {"comment": {"text": "hi"}, "attributeScores": {}},
    {"comment": {"text": "hi"}, "attributeScores": {"FLIRTATION": {"summaryScore": {"value": 1}}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 2}}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {}}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {
        "value": 1, "type": "RAW"}}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"spanScores": [
        {"begin": 0, "end": 3, "score": {"value": 1}}]}}},
    {"comment": {"text": "😀x"}, "attributeScores": {"TOXICITY": {"spanScores": [
        {"begin": 1, "end": 3, "score": {"value": 1}}]}}},  # inside the emoji's pair
    {"comment": {"text": ""}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}},
    {"comment": {"text": "hi"}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}},
     "communityId": 7},
])
def test_malformed_feedback_is_a_400_and_nothing_is_stored(client, api_key, auth, body) -> None:
    r = client.post(f"{SUGGEST}?key={api_key}", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert client.get("/api/v1/feedback", headers=auth).json()["total"] == 0


def test_a_community_mapped_to_another_site_is_refused(client, api_key, app) -> None:
    with app.state.store.session() as db:
        q.map_community(db, "other-paper", "Coral:https://other.example.com/")
        q.map_community(db, "default", "Coral:https://talk.example.com/")
    body = coral_feedback("x1", "fine comment", rejected=False)
    suggest(client, api_key, body)
    refused = suggest(client, api_key, {**body, "communityId": "Coral:https://other.example.com/"},
                      status=403)
    assert "another site" in refused["error"]["message"]
    for do_not_store in (False, True):
        analyze(client, api_key, {"comment": {"text": "hello"}, "doNotStore": do_not_store,
                                  "requestedAttributes": {"TOXICITY": {}},
                                  "communityId": "Coral:https://other.example.com/"}, status=403)
    analyze(client, api_key, {"comment": {"text": "hello"}, "doNotStore": True,
                              "requestedAttributes": {"TOXICITY": {}},
                              "communityId": "Coral:https://talk.example.com/"})


# --------------------------------------------------------------------------- Google's client


def test_googles_own_python_client_works_unchanged(app, api_key) -> None:
    discovery = pytest.importorskip("googleapiclient.discovery")
    errors = pytest.importorskip("googleapiclient.errors")
    from tests.helpers import live_server

    with live_server(app) as base:
        service = discovery.build(
            "commentanalyzer", "v1alpha1", developerKey=api_key,
            discoveryServiceUrl=f"{base}/$discovery/rest?version=v1alpha1")
        response = service.comments().analyze(body={
            "comment": {"text": "🙂 You are a complete idiot."}, "spanAnnotations": True,
            "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
            "clientToken": "g-1"}).execute()
        assert set(response["attributeScores"]) == {"TOXICITY", "INSULT"}
        assert response["attributeScores"]["INSULT"]["summaryScore"]["value"] >= 0.5
        assert response["clientToken"] == "g-1" and response["detectedLanguages"] == ["en"]
        receipt = service.comments().suggestscore(body={
            "comment": {"text": "🙂 You are a complete idiot."}, "clientToken": "g-1",
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}).execute()
        assert receipt["clientToken"] == "g-1"
        with pytest.raises(errors.HttpError) as raised:
            service.comments().analyze(body={"comment": {"text": "hi"},
                                             "requestedAttributes": {"FLIRTATION": {}}}
                                       ).execute()
        assert raised.value.resp.status == 400
        assert json.loads(raised.value.content)["error"]["details"][0]["errorType"] == \
            "UNKNOWN_ATTRIBUTE"
        # The client's default discovery template, on this host, serves the same document.
        default = discovery.build(
            "commentanalyzer", "v1alpha1", developerKey=api_key,
            discoveryServiceUrl=f"{base}/discovery/v1/apis/{{api}}/{{apiVersion}}/rest")
        again = default.comments().analyze(body={"comment": {"text": "Thanks."},
                                                 "doNotStore": True,
                                                 "requestedAttributes": {"TOXICITY": {}}})
        assert "TOXICITY" in again.execute()["attributeScores"]
    with app.state.store.session() as db:
        [feedback] = q.list_feedback(db)[0]
    assert feedback.comment_external_id == "g-1" and feedback.summary == {"toxicity": 1.0}


def test_the_discovery_document_describes_both_methods_at_this_host(client) -> None:
    doc = client.get("/$discovery/rest?version=v1alpha1").json()
    assert doc["rootUrl"] == "http://testserver/" and doc["name"] == "commentanalyzer"
    methods = doc["resources"]["comments"]["methods"]
    assert {m: methods[m]["path"] for m in methods} == {
        "analyze": "v1alpha1/comments:analyze", "suggestscore": "v1alpha1/comments:suggestscore"}
    refs = {m["request"]["$ref"] for m in methods.values()} | \
        {m["response"]["$ref"] for m in methods.values()}
    assert refs <= set(doc["schemas"])
    assert client.get("/$discovery/rest?version=v1").status_code == 404
