"""``POST /v1/moderations`` works with the real ``openai`` SDK pointed at a real server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from civility.records import ATTRIBUTES
from civility.server.openai_compat import CATEGORIES, category_scores
from civility.store import accounts as acc

openai = pytest.importorskip("openai")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(app: Any) -> Iterator[tuple[str, str]]:
    """A real uvicorn on a free loopback port, in a thread; yields (base_url, api_key)."""
    import uvicorn

    with app.state.store.session() as db:
        key, _ = acc.create_api_key(db, "sdk", scopes="score")
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1", key
    srv.should_exit = True
    thread.join(timeout=10)


def test_the_openai_sdk_moderates_a_string(server) -> None:
    base_url, key = server
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    response = client.moderations.create(input="I will find you and hurt you, idiot.")
    assert len(response.results) == 1
    result = response.results[0]
    scores = result.category_scores.model_dump(by_alias=True)
    flags = result.categories.model_dump(by_alias=True)
    assert set(CATEGORIES) <= set(scores) and set(CATEGORIES) <= set(flags)
    assert all(0 <= scores[c] <= 1 for c in CATEGORIES)
    assert isinstance(result.flagged, bool)
    assert result.flagged == (any(flags[c] for c in CATEGORIES) or
                              result.model_extra["civility"]["decision"] == "reject")
    assert response.model.startswith(("civility", "export", "civility-minilm"))


def test_the_openai_sdk_moderates_a_list_in_order(server) -> None:
    base_url, key = server
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    texts = ["Thanks for the thoughtful piece.", "You people are vermin.", ""]
    response = client.moderations.create(input=texts, model="omni-moderation-latest")
    assert len(response.results) == 3
    assert [r.model_extra["civility"]["id"] for r in response.results] == ["1", "2", "3"]


def test_the_sdk_raises_its_usual_errors(server) -> None:
    base_url, key = server
    bad = openai.OpenAI(base_url=base_url, api_key="civ_wrong_key", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.moderations.create(input="hello")
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        client.moderations.create(input=[])
    assert "input" in str(err.value)


def test_categories_we_do_not_model_are_zero_and_the_rest_follow_our_scores() -> None:
    attrs = dict.fromkeys(ATTRIBUTES, 0.0)
    attrs.update(identity_attack=0.9, threat=0.8, insult=0.3, sexually_explicit=0.6)
    scores = category_scores(attrs)
    assert list(scores) == list(CATEGORIES)
    assert scores["hate"] == 0.9 and scores["hate/threatening"] == 0.8
    assert scores["violence"] == 0.8 and scores["sexual"] == 0.6
    assert scores["self-harm"] == scores["illicit"] == scores["sexual/minors"] == 0.0


def test_self_harm_categories_tell_encouragement_from_a_readers_own_disclosure(server) -> None:
    base_url, key = server
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)
    urging, disclosing, news = client.moderations.create(input=[
        "Nobody would miss you, just go kill yourself.",
        "I've been thinking about ending it.",
        "Suicide rates among veterans rose again last year, the report says.",
    ]).results
    urged = urging.category_scores.model_dump(by_alias=True)
    assert urging.flagged and urging.categories.model_dump(by_alias=True)["self-harm"]
    assert urged["self-harm/instructions"] >= 0.5 > urged["self-harm/intent"]
    disclosed = disclosing.category_scores.model_dump(by_alias=True)
    assert disclosing.categories.model_dump(by_alias=True)["self-harm/intent"]
    assert disclosed["self-harm/intent"] >= 0.5 > disclosed["self-harm/instructions"]
    assert disclosing.model_extra["civility"]["decision"] == "review"
    assert news.category_scores.model_dump(by_alias=True)["self-harm"] < 0.5


def test_self_harm_maps_to_intent_without_a_threat_and_to_instructions_with_one() -> None:
    attrs = dict.fromkeys(ATTRIBUTES, 0.0)
    disclosure = category_scores({**attrs, "self_harm": 0.8, "threat": 0.1})
    assert disclosure["self-harm"] == 0.8
    assert disclosure["self-harm/intent"] == 0.8 and disclosure["self-harm/instructions"] == 0.1
    urging = category_scores({**attrs, "self_harm": 0.9, "threat": 0.88})
    assert urging["self-harm/instructions"] == 0.88 and urging["self-harm/intent"] < 0.2
