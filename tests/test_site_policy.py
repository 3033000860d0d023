"""A policy applied to one site decides that site's new comments, and no other site's.

``civility policy apply`` writes the site's policy to the database (audited); the server
reads it within ``policy_cache_s`` and decides the site's comments under it, in every
endpoint and in the same micro-batch as other sites' comments.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from civility.policy import PolicyError, WordRule, default_policy
from civility.records import Comment
from civility.server.batcher import ScoringService, SitePolicies
from civility.store import Store
from civility.store import queries as q
from civility.store.accounts import create_api_key
from civility.store.models import Scoring
from civility.store.policies import apply_site_policy, current_site_policy, site_policy_history

TEXT = "I like pineapple on my pizza, whatever the council says."


def fruit_policy() -> str:
    """The news policy, plus: a comment naming pineapple is rejected."""
    news = default_policy()
    return dataclasses.replace(news, name="no fruit", word_rules=(
        *news.word_rules, WordRule(("pineapple",), "reject"))).to_toml()


@pytest.fixture
def sites(make_app: Any) -> Any:
    app = make_app(policy_cache_s=0)
    with app.state.store.session() as db:
        q.get_site(db, "herald", create=True)
        db.commit()
        keys = {site: create_api_key(db, f"k-{site}", scopes="score read", site=site)[0]
                for site in ("default", "herald")}
    return app, {s: {"Authorization": f"Bearer {k}"} for s, k in keys.items()}


def test_a_sites_policy_decides_its_comments_and_no_other_sites(sites) -> None:
    app, auth = sites
    with TestClient(app) as client:
        def submit(site: str, cid: str) -> dict[str, Any]:
            r = client.post("/api/v1/comments", json={"id": cid, "text": TEXT},
                            headers=auth[site])
            assert r.status_code == 200, r.text
            return r.json()

        assert submit("herald", "before")["decision"] == "publish"
        with app.state.store.session() as db:
            apply_site_policy(db, "herald", fruit_policy(), actor="ed",
                              server_policy=default_policy())
        after = submit("herald", "after")
        assert after["decision"] == "reject"
        assert "word rule: 'pineapple' → reject" in after["reasons"]
        assert submit("default", "elsewhere")["decision"] == "publish"
        openai = client.post("/v1/moderations", json={"input": TEXT}, headers=auth["herald"])
        assert openai.json()["results"][0]["flagged"] is True
        with app.state.store.session() as db:
            herald = q.get_site(db, "herald").id
            stored = q.comment_by_external(db, herald, "after")
            assert stored is not None  # which policy decided is kept with the scoring:
            assert db.scalar(select(Scoring.policy).where(Scoring.comment_id == stored.id)
                             ) == "no fruit"
            apply_site_policy(db, "herald", None, actor="ed", server_policy=default_policy())
        assert submit("herald", "later")["decision"] == "publish"


def test_one_batch_decides_each_sites_comments_under_its_own_policy(db_url, moderator) -> None:
    store = Store(db_url)
    with store.session() as db:
        q.get_site(db, "herald", create=True)
        db.commit()
        herald = q.get_site(db, "herald").id
        apply_site_policy(db, "herald", fruit_policy(), actor="ed",
                          server_policy=default_policy())
    batches: list[int] = []
    original = moderator.moderate

    def counting(*args: Any, **kwargs: Any) -> Any:
        batches.append(len(args[0]))
        return original(*args, **kwargs)

    async def run() -> list[Any]:
        service = ScoringService(moderator, window_ms=300, policy_for=SitePolicies(store, 0))
        service.moderator = type("Counting", (), {"moderate": staticmethod(counting),
                                                  "policy": moderator.policy,
                                                  "version": moderator.version})()
        await service.start()
        try:
            return await asyncio.gather(
                service.moderate([Comment("h", TEXT)], site_id=herald),
                service.moderate([Comment("d", TEXT)], site_id=1),
                service.moderate([Comment("n", TEXT)]))
        finally:
            await service.stop()

    (h,), (d,), (n,) = asyncio.run(run())
    store.close()
    assert (h.decision, d.decision, n.decision) == ("reject", "publish", "publish")
    assert sorted(batches) == [1, 2]  # one model call per policy, however many sites


def test_applying_keeps_every_version_and_refuses_a_broken_policy(db_url) -> None:
    store = Store(db_url)
    try:
        with store.session() as db:
            q.get_site(db, "herald", create=True)
            db.commit()
            herald = q.get_site(db, "herald").id
            done = apply_site_policy(db, "herald", fruit_policy(), actor="ed",
                                     server_policy=default_policy())
            assert done.changes == ("name: 'news' → 'no fruit'", "word rules: 0 → 1")
            with pytest.raises(PolicyError, match="unknown attribute"):
                apply_site_policy(db, "herald", "[thresholds.rudeness]\nreview = 0.5\n",
                                  actor="ed", server_policy=default_policy())
            db.rollback()
            with pytest.raises(q.NotFound):
                apply_site_policy(db, "nowhere", fruit_policy(), actor="ed",
                                  server_policy=default_policy())
            apply_site_policy(db, "herald", None, actor="al", server_policy=default_policy())
            assert current_site_policy(db, herald).toml is None
            assert [v.actor for v in site_policy_history(db, herald)] == ["al", "ed"]
            entries = q.audit_log(db, action="site.policy").items
            assert [e.actor for e in entries] == ["al", "ed"]
            assert entries[0].details["changes"] == ["name: 'no fruit' → 'news'",
                                                     "word rules: 1 → 0"]
    finally:
        store.close()
