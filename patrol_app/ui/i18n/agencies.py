"""Agencies: the admin's agency screen (views/agencies_admin.py) and the words every screen
uses around an agency. Agencies' own names are data (``patrol_wire.Agency``), not words here."""

DE = {
    "nav_agencies": "Behörden",
    "agencies_admin_title": "Behörden der Kooperation",
    "agencies_admin_help": "Jede Person und jeder Bericht gehört zu einer Behörde. Eine Behörde "
                           "wird nie gelöscht: Deaktiviert nimmt sie keine neuen Benutzer auf, "
                           "ihre Benutzer, Berichte und Zahlen bleiben.",
    "new_agency": "Neue Behörde",
    "agency_code": "Kürzel",
    "agency_code_help": "2–32 Kleinbuchstaben, Ziffern oder _, beginnt mit einem Buchstaben; "
                        "bleibt für immer",
    "agency_name_de": "Name (deutsch)",
    "agency_name_en": "Name (englisch)",
    "agency_kind": "Art",
    "kind_police": "Polizei",
    "kind_municipal": "Stadt",
    "kind_partner": "Partnerbehörde",
    "agency_users": "{n|1 aktive Person|{n} aktive Personen}",
    "agency_deactivated": "deaktiviert",
    "agency_deactivate": "Deaktivieren",
    "agency_reactivate": "Wieder aktivieren",
    "agency_deactivated_note": "Nimmt keine neuen Benutzer auf; die bisherigen bleiben.",
    "error_unknown_agency": "Diese Behörde gibt es nicht.",
    "error_agency_exists": "Eine Behörde mit diesem Kürzel gibt es schon.",
    "error_agency_inactive": "Diese Behörde ist deaktiviert und nimmt keine neuen Benutzer auf.",
}

EN = {
    "nav_agencies": "Agencies",
    "agencies_admin_title": "The cooperation's agencies",
    "agencies_admin_help": "Every person and every report belongs to one agency. An agency is "
                           "never deleted: deactivated, it takes no new users, while its users, "
                           "reports and figures stay.",
    "new_agency": "New agency",
    "agency_code": "Code",
    "agency_code_help": "2–32 lowercase letters, digits or _, starting with a letter; "
                        "kept for good",
    "agency_name_de": "Name (German)",
    "agency_name_en": "Name (English)",
    "agency_kind": "Kind",
    "kind_police": "Police",
    "kind_municipal": "City",
    "kind_partner": "Partner agency",
    "agency_users": "{n|1 active person|{n} active people}",
    "agency_deactivated": "deactivated",
    "agency_deactivate": "Deactivate",
    "agency_reactivate": "Reactivate",
    "agency_deactivated_note": "Takes no new users; those it has stay.",
    "error_unknown_agency": "There is no such agency.",
    "error_agency_exists": "An agency with this code exists already.",
    "error_agency_inactive": "This agency is deactivated and takes no new users.",
}
