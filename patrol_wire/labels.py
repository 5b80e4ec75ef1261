"""Words for the wire's codes (findings, measures, severity, place types, review states,
presence verdicts, visibility) in German and English: one table for the app's screens and the
server's German spreadsheet export, which must say the same. Plain data, no imports: both sides
read it, neither imports the other. Agencies are data, not codes: their names travel with
them (``patrol_wire.Agency``)."""

from __future__ import annotations

CODE_LABELS: dict[str, dict[str, str]] = {"de": {
    # findings
    "f_litter": "Müll", "f_broken_glass": "Glasscherben", "f_syringes": "Spritzen",
    "f_damaged_equipment": "Beschädigte Geräte", "f_vandalism": "Vandalismus",
    "f_drug_use": "Drogenkonsum", "f_drug_dealing": "Drogenhandel", "f_alcohol": "Alkohol",
    "f_youth_protection": "Jugendschutz", "f_noise": "Lärm", "f_aggression": "Aggression",
    "f_weapons": "Waffen", "f_unleashed_dogs": "Hunde ohne Leine",
    "f_illegal_dumping": "Illegale Müllablagerung", "f_poor_lighting": "Schlechte Beleuchtung",
    "f_other": "Sonstiges",
    # measures
    "m_talk": "Ansprache", "m_order_to_leave": "Platzverweis",
    "m_identity_check": "Identitätsfeststellung", "m_criminal_complaint": "Strafanzeige",
    "m_administrative_offence": "OWi-Anzeige", "m_seizure": "Sicherstellung",
    "m_referral_help": "Vermittlung an Hilfeangebote",
    "m_notice_city_office": "Meldung an Fachamt",
    "m_youth_office_informed": "Jugendamt informiert",
    # severity
    "sev_none": "keine", "sev_low": "gering", "sev_medium": "mittel", "sev_high": "hoch",
    # place types
    "t_dialogue_event": "Dialogveranstaltung", "t_innkeeper_contact": "Wirtekontakt",
    "t_playground": "Spielplatz", "t_event": "Veranstaltung", "t_drug_scene": "Drogenszene",
    "t_nightlife": "Nachtleben", "t_hotspot": "Brennpunkt", "t_other": "Sonstiger Ort",
    # review states
    "rs_submitted": "eingegangen", "rs_in_review": "in Prüfung", "rs_approved": "freigegeben",
    "rs_needs_info": "Rückfrage offen", "rs_rejected": "abgelehnt",
    # presence verdicts
    "v_on_site": "vor Ort", "v_off_site": "nicht vor Ort", "v_inaccurate": "zu ungenau",
    "v_stale": "zu alt", "v_no_fix": "keine Position", "v_no_place": "kein Ort",
    # visibility
    "vis_cooperation": "Kooperation", "vis_agency": "nur eigene Behörde",
    # citizen complaint categories
    "cc_noise": "Lärm", "cc_litter": "Müll", "cc_illegal_dumping": "Illegale Müllablagerung",
    "cc_drugs": "Drogen", "cc_alcohol": "Alkohol", "cc_aggression": "Aggressives Verhalten",
    "cc_vandalism": "Vandalismus", "cc_dogs": "Hunde", "cc_youth_groups": "Jugendgruppen",
    "cc_lighting": "Beleuchtung", "cc_other": "Sonstiges",
}, "en": {
    # findings
    "f_litter": "Litter", "f_broken_glass": "Broken glass", "f_syringes": "Syringes",
    "f_damaged_equipment": "Damaged equipment", "f_vandalism": "Vandalism",
    "f_drug_use": "Drug use", "f_drug_dealing": "Drug dealing", "f_alcohol": "Alcohol",
    "f_youth_protection": "Youth protection", "f_noise": "Noise", "f_aggression": "Aggression",
    "f_weapons": "Weapons", "f_unleashed_dogs": "Unleashed dogs",
    "f_illegal_dumping": "Illegal dumping", "f_poor_lighting": "Poor lighting", "f_other": "Other",
    # measures
    "m_talk": "Talk", "m_order_to_leave": "Order to leave", "m_identity_check": "Identity check",
    "m_criminal_complaint": "Criminal complaint",
    "m_administrative_offence": "Administrative offence", "m_seizure": "Seizure",
    "m_referral_help": "Referral to help services",
    "m_notice_city_office": "Notice to a city office",
    "m_youth_office_informed": "Youth office informed",
    # severity
    "sev_none": "none", "sev_low": "low", "sev_medium": "medium", "sev_high": "high",
    # place types
    "t_dialogue_event": "Dialogue event", "t_innkeeper_contact": "Innkeeper contact",
    "t_playground": "Playground", "t_event": "Event", "t_drug_scene": "Drug scene",
    "t_nightlife": "Nightlife", "t_hotspot": "Hotspot", "t_other": "Other place",
    # review states
    "rs_submitted": "submitted", "rs_in_review": "in review", "rs_approved": "approved",
    "rs_needs_info": "question open", "rs_rejected": "rejected",
    # presence verdicts
    "v_on_site": "on site", "v_off_site": "not on site", "v_inaccurate": "too inaccurate",
    "v_stale": "too old", "v_no_fix": "no fix", "v_no_place": "no place",
    # visibility
    "vis_cooperation": "cooperation", "vis_agency": "own agency only",
    # citizen complaint categories
    "cc_noise": "Noise", "cc_litter": "Litter", "cc_illegal_dumping": "Illegal dumping",
    "cc_drugs": "Drugs", "cc_alcohol": "Alcohol", "cc_aggression": "Aggressive behaviour",
    "cc_vandalism": "Vandalism", "cc_dogs": "Dogs", "cc_youth_groups": "Youth groups",
    "cc_lighting": "Lighting", "cc_other": "Other",
}}

# The German spreadsheet export's column headers, by the stable column code the comma export keeps.
CSV_HEADERS_DE: dict[str, str] = {
    "id": "ID", "observed_at": "Zeitpunkt (UTC)", "observed_local": "Zeitpunkt", "place_id": "Ort-ID",
    "place_name": "Ort", "district_id": "Stadtbezirk", "author": "Verfasser", "agency": "Behörde",
    "severity": "Schweregrad", "findings": "Feststellungen", "measures": "Maßnahmen",
    "note": "Notiz", "lat": "Breite", "lon": "Länge", "accuracy_m": "Genauigkeit (m)",
    "device_verdict": "Anwesenheit laut Gerät", "server_verdict": "Anwesenheit laut Server",
    "server_distance_m": "Entfernung laut Server (m)", "review_state": "Prüfstatus",
    "visibility": "Sichtbarkeit",
}


def label(lang: str, prefix: str, code: str) -> str:
    """The word for a code ("de", "f_", "litter" -> "Müll"); the code itself when unknown (a
    newer server's value)."""
    return CODE_LABELS.get(lang, CODE_LABELS["de"]).get(prefix + code, code)
