"""The patrol-server command line on a real data directory."""

from sync_server.cli import main
from sync_server.storage import SqliteStorage


def test_create_and_disable_user(tmp_path, capsys):
    data = str(tmp_path)
    assert main(["--data", data, "init"]) == 0
    assert main(["--data", data, "create-user", "anna", "--role", "officer", "--agency", "police",
                 "--password", "lang-genug-1"]) == 0
    assert main(["--data", data, "create-user", "anna", "--role", "officer", "--agency", "police",
                 "--password", "lang-genug-1"]) == 1  # exists
    assert main(["--data", data, "create-user", "bob", "--role", "officer", "--agency", "kod",
                 "--password", "short"]) == 2
    assert main(["--data", data, "disable-user", "anna"]) == 0
    assert main(["--data", data, "disable-user", "ghost"]) == 1
    storage = SqliteStorage(tmp_path / "server.db")
    user, _ = storage.user_by_name("anna")
    assert user.disabled and storage.user_by_name("bob") is None
    storage.close()


def test_import_places_reports_rejected_rows(tmp_path, capsys):
    data = str(tmp_path)
    main(["--data", data, "init"])
    csv = tmp_path / "places.csv"
    csv.write_text("id,name,type,lat,lon\np1,Platz,hotspot,51.6,7.8\np2,Bad,hotspot,99,7.8\n")
    assert main(["--data", data, "import-places", str(csv)]) == 3
    out = capsys.readouterr().out
    assert "imported: 1, rejected: 1" in out and "line 3" in out
    assert main(["--data", data, "import-places", str(tmp_path / "missing.csv")]) == 1


def test_admin_commands_change_users_reference_data_and_write_the_audit_log(tmp_path, capsys):
    import json

    data = str(tmp_path)
    main(["--data", data, "init"])
    main(["--data", data, "create-user", "anna", "--role", "officer", "--agency", "police",
          "--password", "lang-genug-1"])
    assert main(["--data", data, "update-user", "anna", "--role", "supervisor"]) == 0
    assert main(["--data", data, "update-user", "ghost", "--role", "supervisor"]) == 1
    assert main(["--data", data, "reset-password", "anna", "--password", "ganz-neu-2026"]) == 0
    districts = tmp_path / "d.json"
    districts.write_text(json.dumps([{"id": "mitte", "name": "Mitte", "lat": 51.68, "lon": 7.82,
                                      "area_km2": 22.7}]))
    assert main(["--data", data, "import-districts", str(districts)]) == 0
    cl = tmp_path / "cl.json"
    cl.write_text(json.dumps({"id": "cl-x", "place_type": "event", "version": 1, "fields": []}))
    assert main(["--data", data, "import-checklist", str(cl)]) == 0
    assert main(["--data", data, "import-checklist", str(cl)]) == 1  # not above the latest
    storage = SqliteStorage(tmp_path / "server.db")
    assert storage.user_by_name("anna")[0].role.value == "supervisor"
    assert storage.district_ids() == {"mitte"}
    storage.close()
    capsys.readouterr()
    assert main(["--data", data, "audit"]) == 0
    out = capsys.readouterr().out
    for action in ("user.create", "user.update", "user.password_reset", "district.upsert",
                   "checklist.version"):
        assert action in out


def test_agencies_on_the_command_line(tmp_path, capsys):
    """Create, rename, deactivate an agency; users only of a known, active one; audited."""
    data = str(tmp_path)
    assert main(["--data", data, "create-agency", "zoll_hamm", "--name-de", "Zoll Hamm",
                 "--name-en", "Hamm customs", "--kind", "partner"]) == 0
    assert main(["--data", data, "create-agency", "zoll_hamm", "--name-de", "Noch mal",
                 "--name-en", "Again", "--kind", "partner"]) == 1  # exists
    assert main(["--data", data, "create-agency", "Zoll", "--name-de", "Zoll", "--name-en",
                 "Customs", "--kind", "partner"]) == 2  # not a code
    user = ["create-user", "anna", "--role", "officer", "--password", "lang-genug-1", "--agency"]
    assert main(["--data", data, *user, "stadtwerke"]) == 2
    assert "no agency with the code 'stadtwerke'" in capsys.readouterr().err
    assert main(["--data", data, "update-agency", "zoll_hamm", "--name-de", "Zollamt Hamm",
                 "--deactivate"]) == 0
    assert main(["--data", data, *user, "zoll_hamm"]) == 2
    assert "deactivated" in capsys.readouterr().err
    assert main(["--data", data, "update-agency", "ghost", "--activate"]) == 1
    assert main(["--data", data, "update-agency", "zoll_hamm", "--activate"]) == 0
    assert main(["--data", data, *user, "zoll_hamm"]) == 0
    capsys.readouterr()
    assert main(["--data", data, "agencies"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("zoll_hamm"))
    assert line.split("\t") == ["zoll_hamm", "partner", "active", "1 users",
                                "Zollamt Hamm / Hamm customs"]
    storage = SqliteStorage(tmp_path / "server.db")
    actions = [e["action"] for e in storage.audit_log(limit=20) if e["object_id"] == "zoll_hamm"]
    storage.close()
    assert actions.count("agency.update") == 2 and actions.count("agency.create") == 1
