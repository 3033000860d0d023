"""Sites, articles and each site's integrations (webhook, Coral, queue compatibility).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civility.store.models import (
    Article,
    Site,
    SiteCommunity,
)
from civility.store.queries.decisions import audit
from civility.store.queries.records import ArticleInfo, NotFound

# --------------------------------------------------------------------------- sites & articles


def get_site(db: Session, name: str = "default", *, create: bool = False) -> Site:
    site = db.scalar(select(Site).where(Site.name == name))
    if site is None:
        if not create:
            raise NotFound(f"no site named {name!r}")
        site = Site(name=name)
        db.add(site)
        db.flush()
    return site


def set_site_webhook(db: Session, name: str, url: str | None, secret: str | None, *,
                     actor: str = "cli") -> Site:
    site = get_site(db, name, create=True)
    site.webhook_url = url or None
    site.webhook_secret = secret or None
    audit(db, actor, "site.webhook", "site", name, {"url": url}, site_id=site.id)
    db.commit()
    return site


def list_sites(db: Session) -> list[Site]:
    return list(db.scalars(select(Site).order_by(Site.id)))


def upsert_article(db: Session, site_id: int, external_id: str, *, title: str | None = None,
                   url: str | None = None, text: str | None = None, commit: bool = True) -> int:
    """The article's internal id; given fields overwrite stored ones, missing ones are kept."""
    row = db.scalar(select(Article).where(Article.site_id == site_id,
                                          Article.external_id == external_id))
    if row is None:
        row = Article(site_id=site_id, external_id=external_id, title=title, url=url, text=text)
        db.add(row)
        try:
            db.flush()
        except IntegrityError:  # created concurrently: use theirs
            db.rollback()
            return upsert_article(db, site_id, external_id, title=title, url=url, text=text,
                                  commit=commit)
    else:
        for name, value in (("title", title), ("url", url), ("text", text)):
            if value is not None:
                setattr(row, name, value)
    article_id = row.id
    if commit:
        db.commit()
    return article_id


def article_by_external(db: Session, site_id: int, external_id: str) -> ArticleInfo | None:
    row = db.execute(_ARTICLE_BY_EXTERNAL, {"site": site_id, "ext": external_id}).first()
    return None if row is None else ArticleInfo(*row)


_articles = Article.__table__
#: Built once, on the table (no ORM object): every submit naming a known article runs it.
_ARTICLE_BY_EXTERNAL = select(_articles.c.id, _articles.c.external_id, _articles.c.title,
                              _articles.c.url, _articles.c.text, _articles.c.created_at
                              ).where(_articles.c.site_id == bindparam("site"),
                                      _articles.c.external_id == bindparam("ext"))


def article_by_external_any(db: Session, external_id: str) -> ArticleInfo | None:
    """For moderators, who work across sites: the first site's article with this id."""
    row = db.scalar(select(Article).where(Article.external_id == external_id)
                    .order_by(Article.site_id).limit(1))
    return None if row is None else _article_info(row)


def article_text(db: Session, article_id: int) -> str | None:
    return db.scalar(select(Article.text).where(Article.id == article_id))


def _article_info(row: Article) -> ArticleInfo:
    return ArticleInfo(row.id, row.external_id, row.title, row.url, row.text, row.created_at)


# --------------------------------------------------------------------------- site integrations


def set_site_queue_compat(db: Session, name: str, on: bool, *, actor: str = "cli") -> Site:
    """Whether comments from the Perspective and OpenAI endpoints join SITE's review queue."""
    site = get_site(db, name, create=True)
    site.queue_compat = on
    audit(db, actor, "site.queue_compat", "site", name, {"queue_compat": on}, site_id=site.id)
    db.commit()
    return site


def set_site_coral(db: Session, name: str, secrets: Sequence[str] | None, *,
                   actor: str = "cli") -> Site:
    """Connect SITE to Coral's external moderation phase with these signing secrets (several
    while Coral rotates one), or disconnect it (None). The audit log says how many, never
    which."""
    clean = [x.strip() for x in secrets or () if x.strip()]
    if secrets is not None and not clean:
        raise ValueError("no signing secret given")
    if any(len(x) > 500 or any(ch.isspace() for ch in x) for x in clean):
        raise ValueError("a signing secret is one word of at most 500 characters")
    site = get_site(db, name, create=True)
    site.coral_secrets = "\n".join(dict.fromkeys(clean)) or None
    audit(db, actor, "site.coral", "site", name,
          {"connected": bool(clean), "secrets": len(set(clean))}, site_id=site.id)
    db.commit()
    return site


def coral_sites(db: Session) -> list[tuple[int, str, tuple[str, ...]]]:
    """(site id, name, signing secrets) of every site connected to Coral."""
    return [(s.id, s.name, tuple(s.coral_secrets.split("\n")))
            for s in db.scalars(select(Site).where(Site.coral_secrets.is_not(None))
                                .order_by(Site.id)) if s.coral_secrets]


def map_community(db: Session, name: str, community_id: str, *, remove: bool = False,
                  actor: str = "cli") -> Site:
    """Perspective requests with this ``communityId`` belong to SITE (or no longer do)."""
    if not 1 <= len(community_id) <= 255:
        raise ValueError("a communityId is 1-255 characters")
    site = get_site(db, name, create=not remove)
    row = db.get(SiteCommunity, community_id)
    if remove:
        if row is None or row.site_id != site.id:
            raise NotFound(f"communityId {community_id!r} is not mapped to site {name!r}")
        db.delete(row)
    elif row is None:
        db.add(SiteCommunity(community_id=community_id, site_id=site.id))
    else:
        row.site_id = site.id
    audit(db, actor, "site.community", "site", name,
          {"community_id": community_id, "removed": remove}, site_id=site.id)
    db.commit()
    return site


def site_for_community(db: Session, community_id: str) -> int | None:
    return db.scalar(select(SiteCommunity.site_id)
                     .where(SiteCommunity.community_id == community_id))


def site_queue_compat(db: Session, site_id: int) -> bool:
    return bool(db.scalar(select(Site.queue_compat).where(Site.id == site_id)))


def site_communities(db: Session) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for community, site_id in db.execute(select(SiteCommunity.community_id,
                                                SiteCommunity.site_id)
                                         .order_by(SiteCommunity.community_id)):
        out[site_id].append(community)
    return out
