"""What a site knows about a commenter, and its own rules about commenters and words, adjust
the policy's decision (civility.authors): pure functions, no database.

An adjustment only makes a decision stricter: "premoderated" holds what the policy would
publish and leaves a rejection alone; suspended and banned authors are rejected; every change
says why, in a reason a moderator can read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from civility.authors import (
    POLICY_ACTOR,
    SiteRules,
    Standing,
    adjust,
    author_reasons,
    clean_words,
    plan_action,
    rate_reason,
)
from civility.policy import WordRule, reason_drivers, word_reasons

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PUBLISHED = ("policy 'news': published, no attribute above a review threshold",)
OFF = SiteRules()


def adjusted(decision: str = "publish", reasons: tuple[str, ...] = PUBLISHED, *,
             rules: SiteRules = OFF, standing: Standing | None = None, text: str = "hello",
             has_link: bool = False) -> tuple[str, tuple[str, ...]]:
    return adjust(decision, reasons, rules=rules, standing=standing,  # type: ignore[arg-type]
                  normalized_text=text, has_link=has_link, now=NOW)


# --------------------------------------------------------------------------- standing


def test_an_author_in_good_standing_under_no_rules_changes_nothing() -> None:
    assert adjusted(standing=Standing()) == ("publish", PUBLISHED)
    assert adjusted("reject", ("threat 0.90 ≥ reject threshold 0.80",), standing=Standing()) \
        == ("reject", ("threat 0.90 ≥ reject threshold 0.80",))


def test_a_premoderated_authors_comment_is_held_at_most_never_published() -> None:
    mo = Standing("premoderated", reason="abusive all week", set_by="mo")
    assert adjusted(standing=mo) == (
        "review", ("author is premoderated (by mo: abusive all week)",))
    held = ("toxicity 0.60 ≥ review threshold 0.50",)
    assert adjusted("review", held, standing=mo) == (
        "review", (*held, "author is premoderated (by mo: abusive all week)"))
    # a rejection stays a rejection, its reason first
    rejected = adjusted("reject", ("threat 0.90 ≥ reject threshold 0.80",), standing=mo)
    assert rejected == ("reject", ("threat 0.90 ≥ reject threshold 0.80",
                                   "author is premoderated (by mo: abusive all week)"))


def test_new_commenters_are_premoderated_until_enough_comments_are_approved() -> None:
    rules = SiteRules(new_author_approvals=3)
    assert adjusted(rules=rules, standing=Standing(published=1)) == (
        "review", ("author is premoderated (new commenter: 1 of 3 approved comments)",))
    assert adjusted(rules=rules, standing=Standing(published=3)) == ("publish", PUBLISHED)
    # anonymous comments have no history to count, so the rule cannot apply to them
    assert adjusted(rules=rules, standing=None) == ("publish", PUBLISHED)


def test_suspended_and_banned_authors_are_rejected_with_the_reason() -> None:
    until = NOW + timedelta(days=3)
    assert adjusted(standing=Standing("suspended", until=until, reason="threats",
                                      set_by="mo")) == (
        "reject", ("author is suspended until 2025-03-04 12:00 UTC (by mo: threats)",))
    assert adjusted(standing=Standing("banned", set_by="mo")) == (
        "reject", ("author is banned (by mo)",))


def test_a_suspension_or_premoderation_ends_when_its_time_is_up_and_a_ban_does_not() -> None:
    past = NOW - timedelta(seconds=1)
    assert Standing("suspended", until=past).status_at(NOW) == "active"
    assert Standing("premoderated", until=past).status_at(NOW) == "active"
    assert Standing("suspended", until=NOW + timedelta(days=1)).status_at(NOW) == "suspended"
    assert Standing("banned", until=past).status_at(NOW) == "banned"
    assert adjusted(standing=Standing("suspended", until=past)) == ("publish", PUBLISHED)


def test_a_rule_that_premoderated_someone_speaks_for_itself() -> None:
    why = "rejection rate 60% ≥ 50%: 3 of 5 comments rejected in 30 days"
    standing = Standing("premoderated", reason=why, set_by=POLICY_ACTOR)
    assert author_reasons(standing, OFF, NOW) == [("review", f"author is premoderated ({why})")]


# --------------------------------------------------------------------------- words and links


def test_a_sites_banned_words_reject_and_its_suspect_words_hold() -> None:
    rules = SiteRules(banned_words=("buy followers",), suspect_words=("vermin",))
    assert adjusted(rules=rules, text="cheap! buy  followers here") == (
        "reject", ("banned word: 'buy followers' → reject",))
    assert adjusted(rules=rules, text="they are vermin") == (
        "review", ("suspect word: 'vermin' → review",))
    assert adjusted(rules=rules, text="the verminous smell") == ("publish", PUBLISHED)


def test_site_word_lists_read_text_as_the_model_does() -> None:
    """The phrase is normalised like a comment, so "idi0t" in the list catches "idiot"."""
    rules = SiteRules(banned_words=("Idi0t",))
    assert rules.word_rules() == (WordRule(("idiot",), "reject", "banned word"),)
    assert adjusted(rules=rules, text="you idiot")[0] == "reject"


def test_site_word_reasons_mark_their_phrase_like_a_policy_word_rule() -> None:
    """The moderator's screen highlights the phrase behind a site list reason too."""
    drivers = reason_drivers(("banned word: 'buy followers' → reject",
                              "suspect word: 'vermin' → review"))
    assert drivers.phrases == ("buy followers", "vermin")


def test_the_one_word_matcher_names_each_rule_by_its_label() -> None:
    rules = (WordRule(("scum",), "review"), WordRule(("scum",), "reject", "banned word"),
             WordRule(("pond scum",), "allow"))
    assert word_reasons(rules, "scum everywhere") == [
        ("review", "word rule: 'scum' → review"), ("reject", "banned word: 'scum' → reject")]
    assert word_reasons(rules, "pond scum") == []


def test_links_are_held_only_where_the_site_asks() -> None:
    assert adjusted(text="see example.com", has_link=True) == ("publish", PUBLISHED)
    assert adjusted(rules=SiteRules(hold_links=True), has_link=True) == (
        "review", ("contains a link; this site holds links for a person",))


def test_every_reason_is_kept_strictest_first() -> None:
    rules = SiteRules(new_author_approvals=1, suspect_words=("vermin",), hold_links=True,
                      banned_words=("spam link",))
    decision, reasons = adjusted("review", ("insult 0.60 ≥ review threshold 0.50",),
                                 rules=rules, standing=Standing(), has_link=True,
                                 text="vermin spam link")
    assert decision == "reject"
    assert reasons == ("banned word: 'spam link' → reject",
                       "insult 0.60 ≥ review threshold 0.50",
                       "author is premoderated (new commenter: 0 of 1 approved comments)",
                       "suspect word: 'vermin' → review",
                       "contains a link; this site holds links for a person")


# --------------------------------------------------------------------------- rejection rate


def test_a_rejection_rate_over_the_limit_premoderates_once_enough_comments_count() -> None:
    rules = SiteRules(rejection_rate=0.5, rejection_min_comments=4, rejection_window_days=14)
    assert rate_reason(rules, 2, 4) == ("rejection rate 50% ≥ 50%: 2 of 4 comments rejected "
                                        "in 14 days")
    assert rate_reason(rules, 1, 4) is None
    assert rate_reason(rules, 3, 3) is None  # too few to call it a pattern
    assert rate_reason(OFF, 10, 10) is None  # the rule is off


# --------------------------------------------------------------------------- actions & rules


def test_each_action_says_what_it_does() -> None:
    plan = plan_action("suspend", now=NOW, days=7, reject_pending=True)
    assert (plan.status, plan.until, plan.event, plan.reject_pending) == (
        "suspended", NOW + timedelta(days=7), "author.suspended", True)
    assert plan_action("premoderate", now=NOW).until is None
    assert plan_action("warn", now=NOW).status is None
    assert plan_action("reinstate", now=NOW).status == "active"
    assert plan_action("ban", now=NOW).event == "author.banned"


@pytest.mark.parametrize(("action", "kwargs", "message"), [
    ("suspend", {}, "how many days"),
    ("ban", {"days": 3}, "'days' goes with premoderate or suspend"),
    ("suspend", {"days": 0}, "'days' is 1-3650"),
    ("warn", {"reject_pending": True}, "goes with suspend or ban"),
    ("delete", {}, "unknown action"),
])
def test_an_action_with_wrong_arguments_says_what_is_wrong(action: str, kwargs: dict,
                                                           message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_action(action, now=NOW, **kwargs)


def test_site_rules_refuse_values_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match="rejection rate"):
        SiteRules(rejection_rate=1.5)
    with pytest.raises(ValueError, match="1-100 characters"):
        SiteRules(banned_words=("x" * 101,))
    with pytest.raises(ValueError, match="0-1000"):
        SiteRules(new_author_approvals=-1)
    assert not SiteRules().any and SiteRules(hold_links=True).any


def test_a_typed_word_list_becomes_clean_phrases() -> None:
    assert clean_words("  Buy   followers \n\nvermin\nVERMIN\n") == ("Buy followers", "vermin")
