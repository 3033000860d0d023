"""Comments in the region's other languages: hate is held or rejected by the word lists in
``civility/data/lexicon/`` (never published), and ordinary comments are held only because the
model does not read their language, never rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from civility import Moderator
from civility.lexicons import expand, files, find, parse
from civility.normalize import normalize
from civility.policy import load_policy

#: Written for these tests by the Civility maintainers.
HATEFUL = [
    ("ru", "Все армяне — просто крысы, гнать их отсюда."),
    ("ru", "Жидов надо перевешать всех до одного."),
    ("uk", "Москалі — це просто пацюки, а не люди."),
    ("uk", "Усіх росіян треба знищити."),
    ("az", "Ermənilər itdir, hamısını qırmaq lazımdır."),
    ("tr", "Suriyeliler hamam böcekleridir, hepsi sınır dışı edilmeli."),
    ("tr", "Bütün Ermenileri öldürün, tek biri bile kalmasın."),
    ("hy", "Թուրքերը շներ են, բոլորին պետք է կոտորել։"),
    ("de", "Diese Flüchtlinge sind nichts als Ungeziefer."),
    ("de", "Man sollte die Juden alle vergasen."),
    ("fr", "Les Arabes ne sont que des cafards."),
    ("fr", "Mort aux juifs !"),
    ("es", "Los gitanos son una plaga, que se vayan."),
    ("es", "Hay que matar a todos los inmigrantes."),
    ("ar", "اليهود كلاب ولا يستحقون الحياة"),
    ("ar", "اقتلوا كل الروافض"),
]

BENIGN = [
    ("ru", "Спасибо автору, очень взвешенная статья о переговорах."),
    ("ru", "Мои соседи армяне — прекрасные люди, мы дружим много лет."),
    ("uk", "Дякую за статтю, чекаємо на продовження розслідування."),
    ("az", "Məqalə üçün təşəkkürlər, çox maraqlı və faydalı idi."),
    ("tr", "Haber için teşekkürler, çok bilgilendirici bir yazı olmuş."),
    ("tr", "Köpekler sokakta aç kalıyor, belediye neden bir şey yapmıyor?"),
    ("hy", "Շնորհակալություն հոդվածի համար, շատ հետաքրքիր էր։"),
    ("de", "Danke für den ausgewogenen Artikel über die Verhandlungen."),
    ("fr", "Merci pour cet article nuancé sur les négociations de paix."),
    ("es", "Gracias por el artículo, está muy bien explicado y documentado."),
    ("ar", "شكرا على هذا المقال المتوازن عن المفاوضات."),
]


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


@pytest.fixture(scope="module")
def without_language_hold(tmp_path_factory: pytest.TempPathFactory) -> Moderator:
    """The news policy with the language rule off: what the word lists catch on their own."""
    path = Path(tmp_path_factory.mktemp("policy")) / "all-languages.toml"
    path.write_text('extends = "news"\n[languages]\naction = "publish"\n', encoding="utf-8")
    return Moderator(load_policy(path))


def test_hate_in_every_language_is_caught_by_the_word_lists_not_only_by_the_language_hold(
        without_language_hold: Moderator) -> None:
    assert len(HATEFUL) >= 12 and {c for c, _ in HATEFUL} >= {
        "ru", "uk", "az", "tr", "hy", "de", "fr", "es", "ar"}
    verdicts = without_language_hold.moderate([t for _, t in HATEFUL])
    published = [v.text for v in verdicts if v.decision == "publish"]
    assert published == []
    for v in verdicts:
        assert max(v.attributes["identity_attack"], v.attributes["threat"],
                   v.attributes["dehumanization"]) >= 0.5, v.text


def test_under_the_news_policy_hate_in_other_languages_is_never_published(
        moderator: Moderator) -> None:
    verdicts = moderator.moderate([t for _, t in HATEFUL])
    assert all(v.decision != "publish" for v in verdicts)
    rejected = [v for v in verdicts if v.decision == "reject"]
    assert len(rejected) >= 12, [v.text for v in verdicts if v.decision != "reject"]


def test_hateful_comments_name_the_group_they_attack(moderator: Moderator) -> None:
    by_text = {v.text: v for v in moderator.moderate([t for _, t in HATEFUL])}
    assert [t.group for t in by_text["Ermənilər itdir, hamısını qırmaq lazımdır."].targets] == [
        "Armenians"]
    assert [t.group for t in by_text["Mort aux juifs !"].targets] == ["Jews"]
    assert [t.group for t in by_text["اقتلوا كل الروافض"].targets] == ["Shia Muslims"]


def test_ordinary_comments_are_held_only_for_their_language(moderator: Moderator) -> None:
    for (code, text), v in zip(BENIGN, moderator.moderate([t for _, t in BENIGN]), strict=True):
        assert v.language == code, text
        assert v.decision == "review", text
        assert v.reasons == (
            f"language '{code}' is not covered by the model; held for a person who reads it",), text


def test_every_verdict_carries_its_language_in_its_json(moderator: Moderator) -> None:
    english, russian, short = moderator.moderate([
        "The minister should resign after this mess.", "Министр должен уйти в отставку.", "ok"])
    assert [english.language, russian.language, short.language] == ["en", "ru", "und"]
    assert english.to_dict()["language"] == "en" and short.to_dict()["language"] == "und"
    assert short.decision == "publish"


def test_a_slur_from_another_language_inside_an_english_comment_is_caught(
        moderator: Moderator) -> None:
    (verdict,) = moderator.moderate(["These хачи should all go back where they came from."])
    assert verdict.language == "en"
    assert verdict.decision == "reject"
    assert [t.group for t in verdict.targets] == ["Armenians"]
    assert any(s.text == "хачи" for s in verdict.spans)


@pytest.mark.parametrize("text", [
    "Die Roma in Berlin leben oft in Armut, sagt die Studie.",
    "Ermeni soykırımı iddiaları yine meclis gündeminde.",
    "Ermeniler kesin kazanacak bu maçı.",
    "Жидкость для мытья посуды подорожала.",
    "Армяне кормят бездомных собак во дворе.",
    "El perro de mi vecino turco ladra toda la noche.",
    "Mi amigo es musulmán y muy buena persona.",
    "Je suis allé au marché avec des amis arabes.",
    "Sales of the new phone were up, and die-hard fans queued for days.",
    "No one would miss this awful tax if it went, frankly.",
])
def test_look_alikes_give_no_hate_evidence(text: str) -> None:
    findings = [f for f in find(normalize(text).text) if not f.rule.startswith("self_harm")]
    assert findings == []


def test_every_lexicon_file_says_where_its_words_come_from() -> None:
    names = {f.name for f in files()}
    assert {"ru", "uk", "az", "tr", "hy", "de", "fr", "es", "ar", "self_harm"} <= names
    for f in files():
        assert f.language and f.source and f.licence, f.name
        assert f.rules, f.name


@pytest.mark.parametrize(("raw", "message"), [
    ({"groups": [{"group": "Martians", "words": ["marsianer"]}]}, "unknown group 'Martians'"),
    ({"rules": [{"rule": "x", "evidence": {"rudeness": 0.5}, "match": "%A%"}],
      "words": {"A": ["a"]}}, "unknown attribute"),
    ({"rules": [{"rule": "x", "evidence": {"threat": 0.5}, "match": "%KILL% %GROUP%"}]},
     "undefined list"),
    ({"rules": [{"rule": "x", "evidence": {"threat": 0.5}, "match": "kill"}]}, "anchor"),
])
def test_a_broken_lexicon_file_is_refused_with_the_file_and_rule_named(raw, message) -> None:
    with pytest.raises(ValueError, match=message) as err:
        parse("xx", raw)
    assert "civility/data/lexicon/xx.toml" in str(err.value)


def test_brace_alternatives_and_normalisation_apply_to_lexicon_words() -> None:
    assert expand("köpek{,ler}") == ["kopek", "kopekler"]
    assert expand("{,ال}يهود") == ["يهود", "اليهود"]
    assert expand("Ermə{ni,nilər}") == ["erməni", "ermənilər"]
