"""``patrol-server``: serve, init, seed-demo, users (create, disable, update, reset password),
agencies (list, create, update: ``cli_agencies``), import-places, import-complaints, import-districts,
import-checklist, purge (retention), audit, backup, restore, check. Every change is in the audit log."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

import patrol_wire as wire

from .agencies import user_agency_problem
from .config import Settings
from .security import hash_password
from .storage import open_photos, open_storage


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(args.data, getattr(args, "db", None))


def cmd_init(args: argparse.Namespace) -> int:
    s = _settings(args)
    open_storage(s).close()
    s.photo_dir.mkdir(parents=True, exist_ok=True)
    if s.database_url:
        from .storage.pg_engine import redact

        print(f"initialised {redact(s.database_url)}")
    else:
        print(f"initialised {s.db_path}")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from .demo import seed_demo

    s = _settings(args)
    with open_storage(s) as storage:
        counts = seed_demo(storage, s)
    print("demo data loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def _request(cls: type, data: dict):
    """Decode what the command line was given through the API's own wire model, so that both
    apply one set of rules (a username the API refuses could never be put on a team); None
    (with the reason printed) when it does not pass."""
    try:
        return wire.decode(cls, data)
    except wire.WireError as err:
        print(f"error: {err.path or 'value'}: {err.message}", file=sys.stderr)
        return None


def cmd_create_user(args: argparse.Namespace) -> int:
    s = _settings(args)
    req = _request(wire.UserCreate, {
        "username": args.username, "display_name": args.display_name or args.username,
        "role": args.role, "agency": args.agency, "password": _password(args)})
    if req is None:
        return 2
    with open_storage(s) as storage:
        problem = user_agency_problem(storage, req.agency)
        if problem is not None:
            print(f"error: {problem[1]} (known: {_agency_codes(storage)})", file=sys.stderr)
            return 2
        user = storage.create_user(username=req.username, display_name=req.display_name,
                                   password_hash=hash_password(req.password, s.kdf),
                                   role=req.role, agency=req.agency)
    if user is None:
        print(f"error: user {req.username!r} exists", file=sys.stderr)
        return 1
    print(f"created {req.role.value} {req.username} ({req.agency})")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    """Cut a user off at once and for good: their tokens are revoked, and stay so if the user
    is enabled again (they log in anew)."""
    return _update_user(args, {"disabled": not args.enable})


def cmd_import_places(args: argparse.Namespace) -> int:
    from .places_import import import_places, read_rows

    s = _settings(args)
    with open_storage(s) as storage:
        try:
            rows = read_rows(Path(args.file))
        except (OSError, ValueError) as exc:
            print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
            return 1
        report = import_places(storage, rows, known_districts=storage.district_ids())
    print(report.summary())
    return 0 if not report.rejected else 3


def cmd_import_complaints(args: argparse.Namespace) -> int:
    """Citizen complaints from the city's complaint system; the per-row report as for places
    (exit 3 when rows were rejected)."""
    from zoneinfo import ZoneInfo

    from .complaints_import import import_file

    s = _settings(args)
    path = Path(args.file)
    fmt = args.format or ("geojson" if path.suffix.lower() in (".geojson", ".json") else "csv")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1
    with open_storage(s) as storage:
        try:
            report = import_file(storage, raw, fmt, zone=ZoneInfo(s.timezone), actor="cli")
        except ValueError as exc:
            print(f"error: {args.file}: {exc}", file=sys.stderr)
            return 1
    print(report.summary())
    return 0 if not report.n_rejected else 3


def _agency_codes(storage) -> str:
    return ", ".join(a.code for a in storage.list_agencies() if a.active)


def _password(args: argparse.Namespace) -> str:
    return args.password or os.environ.get("PATROL_NEW_PASSWORD") or getpass.getpass("Password: ")


def _update_user(args: argparse.Namespace, changes: dict) -> int:
    """Change a user as ``PATCH /admin/users/{username}`` does (disabling ends sessions)."""
    username = args.username
    req = _request(wire.UserUpdate, {k: v for k, v in changes.items() if v is not None})
    if req is None:
        return 2
    with open_storage(_settings(args)) as storage:
        if req.agency is not None:
            found = storage.user_by_name(username)
            problem = user_agency_problem(storage, req.agency,
                                          current=found[0].agency if found else None)
            if problem is not None:
                print(f"error: {problem[1]} (known: {_agency_codes(storage)})", file=sys.stderr)
                return 2
        user = storage.update_user(username, actor="cli", display_name=req.display_name,
                                   role=req.role, agency=req.agency, disabled=req.disabled)
    if user is None:
        print(f"error: no user {username!r}", file=sys.stderr)
        return 1
    state = "disabled" if user.disabled else "active"
    print(f"{user.username}: {user.role.value}, {user.agency}, {user.display_name}, {state}")
    return 0


def cmd_update_user(args: argparse.Namespace) -> int:
    """Change role, agency or display name; a role or agency change ends the user's sessions."""
    return _update_user(args, {"role": args.role, "agency": args.agency,
                               "display_name": args.display_name})


def cmd_reset_password(args: argparse.Namespace) -> int:
    s = _settings(args)
    req = _request(wire.PasswordReset, {"password": _password(args)})
    if req is None:
        return 2
    with open_storage(s) as storage:
        found = storage.set_password(args.username, hash_password(req.password, s.kdf), actor="cli")
    if not found:
        print(f"error: no user {args.username!r}", file=sys.stderr)
        return 1
    print(f"new password set for {args.username}; their sessions have ended")
    return 0


def _load_json(path: str):
    try:
        return wire.parse_json(Path(path).read_bytes())
    except (OSError, wire.WireError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return None


def cmd_import_districts(args: argparse.Namespace) -> int:
    """A JSON list of districts (id, name, lat, lon, area_km2); all or nothing."""
    data = _load_json(args.file)
    if not isinstance(data, list):
        print("error: expected a JSON list of districts", file=sys.stderr)
        return 1
    try:
        districts = [wire.decode(wire.District, d, f"[{i}]") for i, d in enumerate(data)]
    except wire.WireError as err:
        print(f"error: {err.path}: {err.message}", file=sys.stderr)
        return 3
    with open_storage(_settings(args)) as storage:
        for d in districts:
            storage.upsert_district(d.id, wire.canonical_json(d).decode(), actor="cli")
    print(f"imported {len(districts)} districts")
    return 0


def cmd_import_checklist(args: argparse.Namespace) -> int:
    """A new checklist version from JSON; old reports keep the version they were filled with."""
    data = _load_json(args.file)
    if data is None:
        return 1
    try:
        cl = wire.decode(wire.Checklist, data)
    except wire.WireError as err:
        print(f"error: {err.path}: {err.message}", file=sys.stderr)
        return 3
    with open_storage(_settings(args)) as storage:
        added = storage.add_checklist_version(cl.id, cl.version, cl.place_type.value,
                                              wire.canonical_json(cl).decode(), actor="cli")
    if added is None:
        print(f"error: {cl.id} version {cl.version} is not above the latest", file=sys.stderr)
        return 1
    print(f"checklist {cl.id} version {cl.version} added")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    with open_storage(_settings(args)) as storage:
        for e in storage.audit_log(limit=args.limit):
            print(f"{e['at']}  {e['actor']:<16} {e['action']:<22} {e['object_type']}:{e['object_id']}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete reports past their retention period (per place type), their photos and derived
    figures, and imported complaints past theirs; the audit log records what was done."""
    from datetime import datetime, timedelta, timezone

    try:
        per_type = {k: int(v) for k, v in (item.split("=", 1) for item in args.days)}
    except ValueError:
        print("error: --days takes TYPE=DAYS, e.g. drug_scene=365", file=sys.stderr)
        return 2
    unknown = set(per_type) - {t.value for t in wire.PlaceType}
    if unknown or args.default_days < 1 or args.complaint_days < 1 or any(v < 1 for v in per_type.values()):
        print(f"error: unknown place types {sorted(unknown)} or a period below one day",
              file=sys.stderr)
        return 2
    now = datetime.now(timezone.utc)
    cut = lambda d: wire.format_timestamp(now - timedelta(days=d))  # noqa: E731
    s = _settings(args)
    with open_storage(s) as storage:
        counts, photos = storage.purge_reports({k: cut(v) for k, v in per_type.items()},
                                               cut(args.default_days), actor="cli",
                                               dry_run=args.dry_run)
        complaints = storage.purge_complaints(cut(args.complaint_days), actor="cli",
                                              dry_run=args.dry_run)
        files = open_photos(s, storage)
        for sha in photos:  # after the commit: a crash before this leaves orphans, not holes
            files.delete(sha)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb}: {counts['reports']} reports, {counts['photos']} photos, {complaints} complaints"
          + ("" if args.dry_run else f" (derived figures of {counts['days']} days rebuilt)"))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent backup while the server serves: database, photos, manifest of hashes."""
    from .backup import BackupError, backup

    try:
        manifest = backup(_settings(args), Path(args.dest))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = manifest["counts"]
    photos = manifest["photos"] if isinstance(manifest["photos"], int) else len(manifest["photos"])
    print(f"backup in {args.dest}: {counts['reports']} reports, {photos} photos,"
          f" {counts['audit']} audit entries ({manifest['backend']})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into an empty data directory (or an empty PostgreSQL database)."""
    from .backup import BackupError, restore

    try:
        counts = restore(_settings(args), Path(args.src))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored: {counts['reports']} reports, {counts['photos']} photos,"
          f" {counts['audit']} audit entries; every hash checked")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Integrity, photos against their rows, photo hashes, derived figures: exit 1 if wrong."""
    from .backup import check

    problems = check(_settings(args), hashes=not args.no_hashes)
    for p in problems:
        print(p)
    print(f"{len(problems)} problems" if problems else "ok")
    return 1 if problems else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app, tune_for_serving

    settings = _settings(args)
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("error: TLS needs both --ssl-certfile and --ssl-keyfile", file=sys.stderr)
        return 2
    tls = {"ssl_certfile": args.ssl_certfile, "ssl_keyfile": args.ssl_keyfile} if args.ssl_certfile else {}
    if args.workers > 1:
        # each worker process opens its own connections; SQLite serialises their writes
        os.environ["PATROL_DATA_DIR"] = str(settings.data_dir)
        if settings.database_url:
            os.environ["PATROL_DATABASE_URL"] = settings.database_url
        uvicorn.run("sync_server.app:app_from_env", factory=True, workers=args.workers,
                    host=args.host, port=args.port, log_level=args.log_level,
                    timeout_graceful_shutdown=5, **tls)
        return 0
    app = create_app(settings)
    tune_for_serving()
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                timeout_graceful_shutdown=5, **tls)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="patrol-server", description=__doc__)
    p.add_argument("--data", help="data directory (default $PATROL_DATA_DIR or ./server-data)")
    p.add_argument("--db", metavar="URL", help="postgresql://... (default $PATROL_DATABASE_URL;"
                   " neither: SQLite in the data directory)")
    common = argparse.ArgumentParser(add_help=False)  # --db after the command, too
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="postgresql://... (default $PATROL_DATABASE_URL)")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, **kw) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kw)

    serve = command("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--ssl-certfile", help="TLS certificate chain (PEM); with --ssl-keyfile:"
                       " serve HTTPS directly (else put a TLS reverse proxy in front)")
    serve.add_argument("--ssl-keyfile", help="the certificate's private key (PEM)")
    serve.set_defaults(fn=cmd_serve)
    command("init", help="create or migrate the database").set_defaults(fn=cmd_init)
    command("seed-demo", help="load the Hamm demo data").set_defaults(fn=cmd_seed_demo)
    cu = command("create-user", help="add a user")
    cu.add_argument("username")
    cu.add_argument("--role", required=True, choices=[r.value for r in wire.Role])
    cu.add_argument("--agency", required=True, help="an agency's code (e.g. police, kod)")
    cu.add_argument("--display-name")
    cu.add_argument("--password", help="prefer $PATROL_NEW_PASSWORD or the prompt")
    cu.set_defaults(fn=cmd_create_user)
    du = command("disable-user", help="stop a user's logins and devices at once")
    du.add_argument("username")
    du.add_argument("--enable", action="store_true", help="undo: allow the user again")
    du.set_defaults(fn=cmd_disable_user)
    uu = command("update-user", help="change a user's role, agency or name")
    uu.add_argument("username")
    uu.add_argument("--role", choices=[r.value for r in wire.Role])
    uu.add_argument("--agency", help="an agency's code")
    uu.add_argument("--display-name")
    uu.set_defaults(fn=cmd_update_user)
    from . import cli_agencies  # agencies, create-agency, update-agency

    cli_agencies.register(command)
    rp = command("reset-password", help="set a new password; the user's sessions end")
    rp.add_argument("username")
    rp.add_argument("--password", help="prefer $PATROL_NEW_PASSWORD or the prompt")
    rp.set_defaults(fn=cmd_reset_password)
    idi = command("import-districts", help="import districts from a JSON list")
    idi.add_argument("file")
    idi.set_defaults(fn=cmd_import_districts)
    ic = command("import-checklist", help="add a checklist version from JSON")
    ic.add_argument("file")
    ic.set_defaults(fn=cmd_import_checklist)
    au = command("audit", help="print the newest audit log entries")
    au.add_argument("--limit", type=int, default=50)
    au.set_defaults(fn=cmd_audit)
    pg = command("purge", help="delete reports past their retention period")
    pg.add_argument("--default-days", type=int, default=730,
                    help="retention for place types not named and reports without a place")
    pg.add_argument("--days", action="append", default=[], metavar="TYPE=DAYS",
                    help="retention per place type, e.g. drug_scene=365 (repeatable)")
    pg.add_argument("--complaint-days", type=int, default=730,
                    help="retention for imported citizen complaints (by when they occurred)")
    pg.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    pg.set_defaults(fn=cmd_purge)
    bk = command("backup", help="a consistent backup while serving (database, photos, manifest)")
    bk.add_argument("dest", help="a new or empty directory")
    bk.set_defaults(fn=cmd_backup)
    rs = command("restore", help="restore a backup into an empty data directory or database")
    rs.add_argument("src", help="a backup directory")
    rs.set_defaults(fn=cmd_restore)
    ck = command("check", help="integrity, photos, derived figures (exit 1 when something is wrong)")
    ck.add_argument("--no-hashes", action="store_true", help="skip re-hashing every photo")
    ck.set_defaults(fn=cmd_check)
    ip = command("import-places", help="import places from CSV or GeoJSON")
    ip.add_argument("file")
    ip.set_defaults(fn=cmd_import_places)
    ico = command("import-complaints", help="import citizen complaints from CSV or GeoJSON"
                  " (time, position, category; every other column is ignored)")
    ico.add_argument("file")
    ico.add_argument("--format", choices=["csv", "geojson"], help="default: from the file name")
    ico.set_defaults(fn=cmd_import_complaints)
    args = p.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
