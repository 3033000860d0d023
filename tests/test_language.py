"""Language identification: name the language of real comments, and stay silent ("und") where
a guess would hold an English reader's comment for nothing."""

from __future__ import annotations

import pytest

from civility.language import UNDETERMINED, identify


@pytest.mark.parametrize(("code", "text"), [
    ("en", "The minister should resign after this mess, frankly."),
    ("ru", "Министр должен уйти в отставку после такого провала."),
    ("uk", "Міністр має піти у відставку після такого провалу."),
    ("az", "Nazir bu biabırçılıqdan sonra istefa verməlidir."),
    ("tr", "Bakan bu rezaletten sonra hemen istifa etmeli."),
    ("hy", "Նախարարը պետք է հրաժարական տա այս ձախողումից հետո։"),
    ("de", "Der Minister sollte nach diesem Debakel sofort zurücktreten."),
    ("fr", "Le ministre devrait démissionner après un tel fiasco."),
    ("es", "El ministro debería dimitir después de semejante desastre."),
    ("ar", "يجب على الوزير أن يستقيل بعد هذا الفشل الذريع."),
])
def test_comments_in_the_regions_languages_are_named(code: str, text: str) -> None:
    assert identify(text) == code


@pytest.mark.parametrize("text", [
    "ok", "OK!", "👍", "😂😂😂", "+1", "lol", "???", "100%", "John Smith", "Ilham Aliyev",
    "Nikol Pashinyan", "Bravo!", "Merkel", "Lame ass", "", "   ",
])
def test_short_and_ambiguous_texts_are_undetermined(text: str) -> None:
    assert identify(text) == UNDETERMINED


@pytest.mark.parametrize("text", [
    "Holy shit you met the guy, that is amazing",
    "psst het loser the damage to the line WAS violence idiot",
    "Shut your ass up, nobody asked you",
])
def test_slangy_english_is_english(text: str) -> None:
    assert identify(text) == "en"


def test_the_schwa_tells_azerbaijani_from_turkish() -> None:
    assert identify("Kim yazıb bunu? Həqiqət budur, hamı bilir.") == "az"
    assert identify("Bunu kim yazdı? Gerçek bu, herkes biliyor.") == "tr"


def test_links_and_handles_do_not_make_a_language() -> None:
    assert identify("@mehmet_k #baku https://example.az/haber/12345") == UNDETERMINED
    assert identify("@olga Министр должен уйти в отставку https://example.ru/x") == "ru"


def test_a_few_letters_in_another_script_are_enough() -> None:
    assert identify("Это позор") == "ru"
    assert identify("Ճիշտ է") == "hy"
