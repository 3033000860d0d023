"""Specifications for civility.read: splitting a page into article, chrome and comments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civility.read import PageError, parse_html, parse_json, parse_text, read_page
from civility.records import Comment, Page

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "news-page-with-comments.txt"

ARTICLE_PROSE = (
    "The county council approved its budget on Tuesday after a four-hour debate in which "
    "members argued over library funding, road repairs and the cost of adult social care. "
    "Officers said the plan would balance the books without raising council tax beyond the cap."
)


def _example_text() -> str:
    if not EXAMPLE.is_file():
        pytest.skip(f"example page not available at {EXAMPLE}")
    return EXAMPLE.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the example page


def test_example_page_splits_into_article_marker_and_fourteen_comments() -> None:
    text = _example_text()
    lines = text.splitlines()
    marker_at = lines.index("MORE ON THE TOPIC:")

    page = read_page(EXAMPLE)

    assert page.article == "\n".join(lines[:marker_at]).strip()
    assert "MORE ON THE TOPIC:" in page.boilerplate
    assert [c.text for c in page.comments] == [line.strip() for line in lines[marker_at + 1 :]]
    assert len(page.comments) == 14
    assert [c.id for c in page.comments] == [str(i) for i in range(1, 15)]
    assert page.confidence >= 0.9
    assert page.source_format == "text"


def test_example_page_has_no_title_because_its_first_line_is_a_paragraph() -> None:
    page = parse_text(_example_text())
    assert page.title is None


def test_example_page_without_its_marker_is_still_split_by_shape_with_lower_confidence() -> None:
    text = _example_text().replace("MORE ON THE TOPIC:\n", "")
    page = parse_text(text)
    assert len(page.comments) == 14
    assert page.article.endswith("the more urgent this scenario becomes.")
    assert 0.4 <= page.confidence <= 0.7


# --------------------------------------------------------------------------- plain text


def test_blank_line_separated_comments_keep_their_authors() -> None:
    page = read_page(FIXTURES / "blank-line-comments.txt")

    assert [c.author for c in page.comments] == [
        "Janet Morris", "David Lee", "R. Patel", "Mike_T", "Gwen Ashby",
    ]
    assert page.comments[0].text == (
        "This is a disgrace. The library is the only warm place some of my neighbours "
        "can go during the day."
    )
    assert page.confidence >= 0.9


def test_comment_chrome_lines_are_not_part_of_comment_text() -> None:
    page = read_page(FIXTURES / "blank-line-comments.txt")
    for comment in page.comments:
        for chrome in ("Reply", "Like · Reply", "12 likes", "hours ago", "minutes ago", "2025"):
            assert chrome not in comment.text, (chrome, comment.text)
        assert "says:" not in comment.text


def test_a_multi_paragraph_comment_under_one_author_stays_one_comment() -> None:
    page = read_page(FIXTURES / "blank-line-comments.txt")
    patel = page.comments[2]
    assert patel.author == "R. Patel"
    assert patel.text.startswith("Who decided Saturday")
    assert patel.text.endswith("suggest everyone else does the same.")


def test_title_article_and_page_chrome_are_separated() -> None:
    page = read_page(FIXTURES / "blank-line-comments.txt")
    assert page.title == "Library opening hours cut to four days a week"
    assert page.article.startswith("Millbrook Central Library will open")
    assert page.article.endswith("job applications and benefit claims.")
    assert "Share this article" not in page.article
    chrome = ("Share this article", "5 Comments", "Leave a Reply", "© 2025 The Millbrook Ledger")
    for line in chrome:
        assert line in page.boilerplate


def test_a_page_without_a_comment_section_has_low_confidence() -> None:
    page = read_page(FIXTURES / "no-comments.txt")
    assert page.comments == ()
    assert page.confidence <= 0.4
    assert page.title == "River Wenn flood defences finished ahead of schedule"
    assert page.article.endswith("explain the new warning system.")


def test_related_links_and_copyright_lines_are_boilerplate_not_comments() -> None:
    page = read_page(FIXTURES / "no-comments.txt")
    assert "Council approves new cycle lanes on Station Road" in page.boilerplate
    assert "© 2025 The Millbrook Ledger. All rights reserved." in page.boilerplate
    assert "Related articles" not in page.article


@pytest.mark.parametrize(
    "marker",
    [
        "Comments", "12 Comments", "1 comment", "Leave a reply", "Leave a Comment",
        "Reader comments", "Join the discussion", "What do you think?", "Discussion",
        "Responses", "3 thoughts on “Budget approved”", "Comments (2)",
    ],
)
def test_common_comment_markers_open_the_comment_section(marker: str) -> None:
    text = f"{ARTICLE_PROSE}\n{marker}\nfirst reader comment here\nsecond one, totally agree"
    page = parse_text(text)
    assert page.article == ARTICLE_PROSE
    assert marker in page.boilerplate
    assert [c.text for c in page.comments] == [
        "first reader comment here", "second one, totally agree",
    ]
    assert page.confidence >= 0.75


def test_one_comment_per_line_when_the_tail_has_no_blank_lines() -> None:
    text = f"{ARTICLE_PROSE}\n\nComments\nAgreed.\nNo way this passes.\nWho pays for it?"
    page = parse_text(text)
    assert [c.text for c in page.comments] == ["Agreed.", "No way this passes.", "Who pays for it?"]
    assert [c.id for c in page.comments] == ["1", "2", "3"]


def test_one_comment_per_block_when_the_tail_has_blank_lines() -> None:
    text = (
        f"{ARTICLE_PROSE}\n\nComments\n\nFirst block line one\nstill the first comment\n\n"
        "Second comment"
    )
    page = parse_text(text)
    assert [c.text for c in page.comments] == [
        "First block line one\nstill the first comment", "Second comment",
    ]


def test_a_discussion_heading_in_the_article_does_not_cut_it_when_a_real_marker_follows() -> None:
    text = (
        f"{ARTICLE_PROSE}\n\nDiscussion\n\n{ARTICLE_PROSE}\n\nComments\n\nnice one\n\n"
        "i sleep 4 hours and im fine lol"
    )
    page = parse_text(text)
    assert "Discussion" in page.article
    assert page.article.count(ARTICLE_PROSE) == 2
    assert [c.text for c in page.comments] == ["nice one", "i sleep 4 hours and im fine lol"]


def test_a_closed_comment_section_gives_zero_comments_with_confidence() -> None:
    page = parse_text(f"{ARTICLE_PROSE}\n\nComments\nComments are closed.")
    assert page.comments == ()
    assert page.confidence >= 0.8


def test_a_trailing_leave_a_reply_does_not_hide_an_unmarked_thread_above_it() -> None:
    text = (FIXTURES / "blank-line-comments.txt").read_text(encoding="utf-8")
    page = parse_text(text.replace("5 Comments\n", ""))
    assert len(page.comments) == 5
    assert page.comments[0].author == "Janet Morris"
    assert 0.5 <= page.confidence < 0.9


def test_author_lines_with_a_date_keep_only_the_name() -> None:
    text = (
        f"{ARTICLE_PROSE}\n\nComments\n\nTom on 2 March 2025 at 9:14 am said:\nFair point.\n\n"
        "@ann_b wrote:\nNot really."
    )
    page = parse_text(text)
    assert [(c.author, c.text) for c in page.comments] == [
        ("Tom", "Fair point."), ("ann_b", "Not really."),
    ]


def test_a_comment_that_mentions_comments_or_subscribing_is_kept() -> None:
    text = (
        f"{ARTICLE_PROSE}\n\nComments\nI read the comments every day\n"
        "Subscribe? to this rag? never, you lot print nonsense"
    )
    page = parse_text(text)
    assert len(page.comments) == 2


def test_short_informal_text_without_an_article_is_not_guessed_at() -> None:
    page = parse_text("great article\nthis is rubbish lol\nwho cares")
    assert page.comments == ()
    assert page.confidence <= 0.4


def test_an_empty_page_is_an_error_that_says_so() -> None:
    with pytest.raises(PageError, match="empty"):
        parse_text("  \n\n ")


# --------------------------------------------------------------------------- HTML


def test_html_comments_are_separate_records_with_authors() -> None:
    page = read_page(FIXTURES / "wordpress-article.html")

    assert page.source_format == "html"
    assert [(c.id, c.author) for c in page.comments] == [
        ("1", "Margaret Hill"), ("2", "Tom Okafor"), ("3", "Aisha Bello"), ("4", "quaystreetcafe"),
    ]
    assert page.comments[0].text == (
        'Six weeks is optimistic. The last time they "fixed" the joints it took three months.'
    )
    assert page.comments[1].text == (
        "To be fair, that was a different contractor.\nThis lot did the Northgate flyover on time."
    )
    assert page.confidence >= 0.85


def test_html_comment_text_excludes_dates_reply_links_and_says() -> None:
    page = read_page(FIXTURES / "wordpress-article.html")
    for comment in page.comments:
        assert "Reply" not in comment.text
        assert "says" not in comment.text
        assert "2025" not in comment.text


def test_html_article_and_title_come_from_the_main_content_only() -> None:
    page = read_page(FIXTURES / "wordpress-article.html")
    assert page.title == "Harbour Bridge to close for six weeks of repairs"
    assert page.article.startswith("The Harbour Bridge will close")
    assert "cabinet meeting" in page.article
    for leak in ("optimistic", "petition", "Leave a Reply", "Home", "All rights reserved"):
        assert leak not in page.article


def test_html_schema_org_comments_are_found() -> None:
    html = f"""<html><head><title>Budget passes</title></head><body>
    <article><h1>Budget passes</h1><p>{ARTICLE_PROSE}</p><p>{ARTICLE_PROSE}</p></article>
    <section>
      <div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
        <span itemprop="author" itemscope><span itemprop="name">Ann</span></span>
        <div itemprop="text">Good news for the libraries.</div></div>
      <div itemprop="comment" itemscope itemtype="https://schema.org/Comment">
        <span itemprop="author" itemscope><span itemprop="name">Bob</span></span>
        <div itemprop="text">Roads are still a mess!</div></div>
    </section></body></html>"""
    page = parse_html(html)
    assert [(c.author, c.text) for c in page.comments] == [
        ("Ann", "Good news for the libraries."), ("Bob", "Roads are still a mess!"),
    ]


def test_disqus_markup_yields_one_record_per_post() -> None:
    html = f"""<html><body><article><p>{ARTICLE_PROSE}</p><p>{ARTICLE_PROSE}</p></article>
    <div id="disqus_thread"><ul class="post-list">
      <li class="post" id="post-1"><div class="post-content">
        <span class="author publisher-anchor-color"><a>carol_k</a></span>
        <a class="time-ago">3 hours ago</a>
        <div class="post-message"><p>Finally some sense.</p></div>
        <footer><a>Reply</a> <a>Share</a></footer></div></li>
      <li class="post" id="post-2"><div class="post-content">
        <span class="author publisher-anchor-color"><a>dmitri</a></span>
        <div class="post-message"><p>Not enough for buses.</p></div></div></li>
    </ul></div></body></html>"""
    page = parse_html(html)
    assert [(c.author, c.text) for c in page.comments] == [
        ("carol_k", "Finally some sense."), ("dmitri", "Not enough for buses."),
    ]


def test_html_without_comment_markup_falls_back_to_trafilatura_with_lower_confidence() -> None:
    html = f"""<html><head><title>Budget passes</title></head><body>
    <article><p>{ARTICLE_PROSE}</p><p>{ARTICLE_PROSE}</p></article>
    <div id="comment-list"><p>Great to see the library saved.</p>
    <p>Another pointless budget, nothing for the north of the county.</p></div></body></html>"""
    page = parse_html(html)
    assert [c.text for c in page.comments] == [
        "Great to see the library saved.",
        "Another pointless budget, nothing for the north of the county.",
    ]
    assert page.confidence <= 0.7


def test_a_wordpress_post_id_on_the_article_does_not_make_it_a_comment() -> None:
    html = f"""<html><body><article id="post-4411" class="post type-post">
    <h1>Budget passes</h1><p>{ARTICLE_PROSE}</p></article></body></html>"""
    page = parse_html(html)
    assert page.comments == ()
    assert ARTICLE_PROSE in page.article


def test_html_without_comments_returns_the_article_and_no_comments() -> None:
    html = f"""<!doctype html><html><head><title>Budget passes</title></head><body>
    <article><h1>Budget passes</h1><p>{ARTICLE_PROSE}</p></article></body></html>"""
    page = parse_html(html)
    assert page.comments == ()
    assert ARTICLE_PROSE in page.article
    assert page.title == "Budget passes"
    assert page.confidence < 0.9


def test_empty_html_is_an_error() -> None:
    with pytest.raises(PageError, match="empty"):
        parse_html("   ")


# --------------------------------------------------------------------------- JSON


def test_json_page_is_read_with_ids_as_strings() -> None:
    page = parse_json(
        {
            "article": "Budget approved.",
            "title": "Budget",
            "comments": [
                {"id": 7, "text": "Good.", "author": "Ann"},
                {"id": "c-8", "text": "Bad."},
            ],
        }
    )
    assert page == Page(
        article="Budget approved.",
        comments=(Comment("7", "Good.", "Ann"), Comment("c-8", "Bad.")),
        title="Budget",
        confidence=1.0,
        source_format="json",
    )


def test_json_comments_without_ids_are_numbered_by_position() -> None:
    page = parse_json('{"article": "A.", "comments": [{"text": "x"}, {"text": "y"}]}')
    assert [c.id for c in page.comments] == ["1", "2"]


def test_a_bare_json_list_of_comments_is_accepted() -> None:
    page = parse_json(b'[{"id": 1, "text": "hello"}, "plain string comment"]')
    assert page.article == ""
    assert [(c.id, c.text) for c in page.comments] == [
        ("1", "hello"), ("2", "plain string comment"),
    ]


def test_json_with_a_non_string_text_names_the_field() -> None:
    data = {"article": "A.", "comments": [{"text": "ok"}] * 3 + [{"id": 4, "text": 42}]}
    with pytest.raises(PageError, match=r"comments\[3\]\.text must be a string"):
        parse_json(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"article": 5, "comments": []}, r"article must be a string"),
        ({"article": "A."}, r"missing 'comments'"),
        ({"comments": {"text": "x"}}, r"comments must be a list"),
        ({"comments": [{"id": 1}]}, r"comments\[0\] has no 'text' field"),
        ({"comments": [{"text": "x", "id": 1.5}]}, r"comments\[0\]\.id must be a string or an int"),
        ({"comments": [{"text": "x", "author": ["a"]}]}, r"comments\[0\]\.author must be a string"),
        ({"comments": [{"id": 1, "text": "x"}, {"id": "1", "text": "y"}]}, r"id '1' repeats"),
        ({"comments": [3]}, r"comments\[0\] must be an object"),
        (42, r"expected a JSON object"),
    ],
)
def test_invalid_json_pages_are_rejected_with_a_pointed_message(data: object, message: str) -> None:
    with pytest.raises(PageError, match=message):
        parse_json(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "where"), [
    ('{"comments": [{"text": "ok \\ud800"}]}', r"comments\[0\]\.text"),
    ('{"comments": [{"id": "\\udc00", "text": "ok"}]}', r"comments\[0\]\.id"),
    ('{"comments": [{"text": "ok", "author": "\\ud83d"}]}', r"comments\[0\]\.author"),
    ('{"article": "A \\ud800 story", "comments": [{"text": "ok"}]}', r"article"),
    ('{"title": "\\ud800", "comments": [{"text": "ok"}]}', r"title"),
])
def test_a_json_page_with_a_lone_surrogate_names_the_field(raw: str, where: str) -> None:
    with pytest.raises(PageError, match=where + r" has a lone UTF-16 surrogate"):
        parse_json(raw)


def test_a_json_page_with_a_surrogate_pair_is_read() -> None:
    page = parse_json('{"comments": [{"text": "nice \\ud83d\\ude00"}]}')
    assert page.comments[0].text == "nice \U0001f600"


def test_malformed_json_reports_line_and_column() -> None:
    with pytest.raises(PageError, match=r"not valid JSON: .* line 1 column"):
        parse_json('{"comments": [}')


# --------------------------------------------------------------------------- read_page


def test_read_page_picks_the_parser_from_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"article": "A.", "comments": [{"text": "x"}]}), encoding="utf-8")
    assert read_page(path).source_format == "json"
    assert read_page(str(path)).source_format == "json"


def test_read_page_sniffs_content_when_the_extension_is_unknown(tmp_path: Path) -> None:
    html = tmp_path / "page.dat"
    html.write_bytes((FIXTURES / "wordpress-article.html").read_bytes())
    js = tmp_path / "page.out"
    js.write_text('[{"text": "hi"}]', encoding="utf-8")
    text = tmp_path / "page"
    text.write_text("[Updated] Council budget\n\n" + ARTICLE_PROSE, encoding="utf-8")

    assert read_page(html).source_format == "html"
    assert read_page(js).source_format == "json"
    assert read_page(text).source_format == "text"


def test_read_page_accepts_raw_content() -> None:
    assert read_page(b'{"comments": [{"text": "x"}]}').source_format == "json"
    assert read_page("<!DOCTYPE html><html><body><p>Hi</p></body></html>").source_format == "html"
    page = read_page(f"{ARTICLE_PROSE}\nComments\nfirst\nsecond")
    assert [c.text for c in page.comments] == ["first", "second"]


def test_an_explicit_format_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(f"{ARTICLE_PROSE}\nComments\nfirst", encoding="utf-8")
    assert read_page(path, format="text").comments == (Comment("1", "first"),)


def test_a_missing_file_is_a_page_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(PageError, match=r"nope\.txt"):
        read_page(missing)
    with pytest.raises(PageError, match="no such file"):
        read_page("definitely-not-here.html")


def test_an_unknown_format_lists_the_choices() -> None:
    with pytest.raises(PageError, match="text, html, json"):
        read_page(b"x", format="pdf")


def test_a_file_that_is_not_utf8_is_reported_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\xe9 reopens\n\nComments\nyes".encode("latin-1"))
    with pytest.raises(PageError, match=r"latin1\.txt is not UTF-8"):
        read_page(path)


def test_json_errors_from_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"comments": [{"text": 1}]}', encoding="utf-8")
    with pytest.raises(PageError, match=r"bad\.json: comments\[0\]\.text must be a string"):
        read_page(path)
