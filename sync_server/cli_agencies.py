"""``patrol-server agencies | create-agency | update-agency``: the admin API's agency
operations on the command line, through the same wire model and storage (audited as "cli")."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

import patrol_wire as wire

from .cli import _request, _settings, open_storage  # cli imports this module inside main()


def cmd_agencies(args: argparse.Namespace) -> int:
    with open_storage(_settings(args)) as storage:
        counts = storage.agency_user_counts()
        for a in storage.list_agencies():
            state = "active" if a.active else "deactivated"
            print(f"{a.code}\t{a.kind.value}\t{state}\t{counts.get(a.code, 0)} users\t"
                  f"{a.name_de} / {a.name_en}")
    return 0


def cmd_create_agency(args: argparse.Namespace) -> int:
    req = _request(wire.AgencyCreate, {"code": args.code, "name_de": args.name_de,
                                       "name_en": args.name_en, "kind": args.kind})
    if req is None:
        return 2
    with open_storage(_settings(args)) as storage:
        if not storage.create_agency(wire.Agency(req.code, req.name_de, req.name_en, req.kind),
                                     actor="cli"):
            print(f"error: an agency {req.code!r} exists", file=sys.stderr)
            return 1
    print(f"created agency {req.code} ({req.name_de})")
    return 0


def cmd_update_agency(args: argparse.Namespace) -> int:
    """Names, kind, or --deactivate / --activate: an agency is never deleted."""
    active = False if args.deactivate else True if args.activate else None
    req = _request(wire.AgencyUpdate, {k: v for k, v in (
        ("name_de", args.name_de), ("name_en", args.name_en), ("kind", args.kind),
        ("active", active)) if v is not None})
    if req is None:
        return 2
    with open_storage(_settings(args)) as storage:
        agency = storage.update_agency(args.code, actor="cli", name_de=req.name_de,
                                       name_en=req.name_en, kind=req.kind, active=req.active)
    if agency is None:
        print(f"error: no agency {args.code!r}", file=sys.stderr)
        return 1
    print(f"{agency.code}: {agency.name_de} / {agency.name_en}, {agency.kind.value}, "
          f"{'active' if agency.active else 'deactivated'}")
    return 0


def register(command: Callable[..., argparse.ArgumentParser]) -> None:
    kinds = [k.value for k in wire.AgencyKind]
    command("agencies", help="list the agencies").set_defaults(fn=cmd_agencies)
    ca = command("create-agency", help="add an agency (its code is kept for good)")
    ca.add_argument("code")
    ca.add_argument("--name-de", required=True)
    ca.add_argument("--name-en", required=True)
    ca.add_argument("--kind", required=True, choices=kinds)
    ca.set_defaults(fn=cmd_create_agency)
    ua = command("update-agency", help="rename, change the kind, deactivate or reactivate")
    ua.add_argument("code")
    ua.add_argument("--name-de")
    ua.add_argument("--name-en")
    ua.add_argument("--kind", choices=kinds)
    on_off = ua.add_mutually_exclusive_group()
    on_off.add_argument("--deactivate", action="store_true", help="no new users; nothing lost")
    on_off.add_argument("--activate", action="store_true")
    ua.set_defaults(fn=cmd_update_agency)
