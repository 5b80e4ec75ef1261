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
                         ("t_", wire.PlaceType), ("agency_", wire.Agency)):
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
