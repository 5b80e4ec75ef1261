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
