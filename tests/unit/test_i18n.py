"""The string catalogue: complete in both languages, placeholders consistent."""

import re

from patrol_app.ui.i18n import DE, EN, Translator

PLACEHOLDER = re.compile(r"{(\w+)}")


def test_both_languages_have_the_same_keys_and_placeholders():
    assert DE.keys() == EN.keys()
    for key in DE:
        assert set(PLACEHOLDER.findall(DE[key])) == set(PLACEHOLDER.findall(EN[key])), key


def test_every_wire_enum_value_has_a_label():
    import patrol_wire as wire

    for prefix, enum in (("f_", wire.Finding), ("m_", wire.Measure), ("sev_", wire.Severity),
                         ("t_", wire.PlaceType), ("kind_", wire.AgencyKind)):
        for member in enum:
            assert prefix + member.value in DE, prefix + member.value


def test_numbers_in_german_and_english():
    assert Translator("de").number(1234.5, 1) == "1\u202f234,5"
    assert Translator("en").number(1234.5, 1) == "1,234.5"
    assert Translator("de").distance(1500) == "1,5 km"


def test_error_codes_in_words_with_fallback():
    t = Translator("de")
    assert "Kennung" in t.error("report_conflict", "x")
    assert t.error("something_new", "server text") == "server text"


def test_signal_colours_follow_the_theme():
    import flet as ft

    from patrol_app.ui.theme import OK, WARN, colour

    class Page:
        theme_mode = ft.ThemeMode.SYSTEM
        platform_brightness = ft.Brightness.DARK

    night, day = Page(), Page()
    day.platform_brightness = ft.Brightness.LIGHT
    assert colour(night, OK) == ft.Colors.GREEN_300 and colour(day, OK) == ft.Colors.GREEN_800
    assert colour(night, WARN) == ft.Colors.ORANGE_300 and colour(day, WARN) == ft.Colors.ORANGE_900
    day.theme_mode = ft.ThemeMode.DARK  # an explicit choice beats the system
    assert colour(day, OK) == ft.Colors.GREEN_300
    assert colour(night, ft.Colors.ERROR) == ft.Colors.ERROR


def test_counts_take_the_right_form_in_both_languages():
    de, en = Translator("de"), Translator("en")
    assert [de("photos_attached", n=n) for n in (0, 1, 2)] == [
        "0 Fotos angehängt", "1 Foto angehängt", "2 Fotos angehängt"]
    assert [en("photos_attached", n=n) for n in (0, 1, 2)] == [
        "0 photos attached", "1 photo attached", "2 photos attached"]
    assert de("queue_count", n=1) == "1 Bericht" and de("queue_count", n=2) == "2 Berichte"
    assert en("queue_count", n=1) == "1 report" and en("queue_count", n=3) == "3 reports"
    assert de("hotspot_line", score="1,2", f=1, c=1) == "Wert 1,2 · 1 Feststellung in 1 Kontrolle"
    assert de("hotspot_line", score="2", f=3, c=2) == "Wert 2 · 3 Feststellungen in 2 Kontrollen"
    assert en("hotspot_line", score="1.2", f=1, c=1) == "score 1.2 · 1 finding in 1 check"
    assert de("photos_confirmed", done=0, total=1) == "0/1 Foto bestätigt"
    assert de("hand_over_text", n=1).startswith("Der offene Halt geht")
    assert de("status_waiting", n=1) == "Gesendet, was ging; 1 Eintrag wartet auf einen neuen Versuch."


def test_no_count_is_shown_with_a_form_left_open():
    """Every string with a count reads right for 1 and for 2: no "(s)", no "|" left over."""
    forms = re.compile(r"{(\w+)\|")
    for lang in ("de", "en"):
        t = Translator(lang)
        for key, text in (DE if lang == "de" else EN).items():
            assert "(s)" not in text and "(e)" not in text, (lang, key)
            names = set(PLACEHOLDER.findall(text)) | set(forms.findall(text))
            for n in (1, 2):
                shown = t(key, **{name: n for name in names})
                assert "|" not in shown and "{" not in shown, (lang, key, shown)


def test_code_words_come_from_the_table_the_server_exports_with():
    from patrol_wire.labels import CODE_LABELS

    for lang, catalogue in (("de", DE), ("en", EN)):
        for key, word in CODE_LABELS[lang].items():
            assert catalogue[key] == word, key
    assert DE["f_litter"] == "Müll" and EN["rs_approved"] == "approved"


def test_every_catalogue_module_is_complete_in_both_languages():
    import importlib

    from patrol_app.ui import i18n

    for name in i18n._MODULES:
        module = importlib.import_module(f"patrol_app.ui.i18n.{name}")
        assert module.DE.keys() == module.EN.keys(), name
