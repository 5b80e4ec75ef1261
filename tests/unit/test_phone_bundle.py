"""What a phone installs: the app's whole dependency closure must be installable by `flet build`
for Android and iOS -- each package pure Python, or carried by Flet's mobile package index
(tests/data/flet_mobile_index.txt) in a version the requirement allows.

The closure is resolved from the installed distributions' metadata in this venv, from
``[project] dependencies`` down, with environment markers evaluated as on a phone (PEP 738
Android, PEP 730 iOS) for every Python that ``flet build`` may bundle. Run with ``-s`` to see
the bundle's size.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "tests" / "data" / "flet_mobile_index.txt"

# The Pythons `flet build` bundles (Flet docs, "Choosing a Python version", as of Flet 0.86 /
# 2026-08: 3.12.13, 3.13.14, 3.14.6; the highest one that `requires-python` allows wins, so our
# ">=3.11" gets 3.14). A dependency that a marker pulls in only on one of them counts too.
BUNDLED_PYTHONS = ("3.12.13", "3.13.14", "3.14.6")
PHONES = (  # sys_platform, platform_system, machines (the ABIs Flet builds for)
    ("android", "Android", ("aarch64", "x86_64", "armv7l")),
    ("ios", "iOS", ("arm64", "x86_64")),  # device; simulator on Intel Macs
)
COMPILED = (".so", ".pyd", ".dylib", ".dll")


def phone_environments() -> list[dict[str, str]]:
    return [{"os_name": "posix", "sys_platform": sys_platform, "platform_system": system,
             "platform_machine": machine, "platform_release": "", "platform_version": "",
             "implementation_name": "cpython", "platform_python_implementation": "CPython",
             "implementation_version": full, "python_full_version": full,
             "python_version": ".".join(full.split(".")[:2])}
            for sys_platform, system, machines in PHONES for machine in machines
            for full in BUNDLED_PYTHONS]


def applies(marker: Marker | None, extras: set[str]) -> bool:
    """Whether a requirement with this marker is installed on any phone, with these extras."""
    if marker is None:
        return True
    return any(marker.evaluate({**env, "extra": extra})
               for env in phone_environments() for extra in (extras or {""}))


@dataclass
class Package:
    name: str
    dist: metadata.Distribution
    wanted_by: list[tuple[str, Requirement]]  # (requirer, its requirement)


def closure(roots: list[str], requirer: str = "pyproject.toml") -> dict[str, Package]:
    """Every distribution a phone installs for these requirements, by normalised name."""
    found: dict[str, Package] = {}
    extras_of: dict[str, set[str]] = {}
    todo = [(requirer, Requirement(r)) for r in roots]
    while todo:
        who, req = todo.pop()
        if not applies(req.marker, extras_of.get(canonicalize_name(who), set())):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{who} needs {req} on a phone, but it is not installed in this "
                                 "venv, so it cannot be checked") from None
        new_extras = set(req.extras) - extras_of.get(name, set())
        if name in found:
            found[name].wanted_by.append((who, req))
            if not new_extras:
                continue
        else:
            found[name] = Package(name, dist, [(who, req)])
        extras_of[name] = extras_of.get(name, set()) | set(req.extras)
        todo += [(name, Requirement(r)) for r in dist.requires or []]
    return found


def load_index() -> dict[str, list[Version]]:
    index = {}
    for line in INDEX.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, versions = line.partition(" ")
            index[canonicalize_name(name)] = [Version(v) for v in versions.split(",") if v.strip()]
    return index


def compiled_files(dist: metadata.Distribution) -> list[str]:
    return [str(f) for f in dist.files or [] if str(f).endswith(COMPILED) or ".so." in str(f)]


def is_pure(dist: metadata.Distribution) -> bool:
    """Its wheel says so (Root-Is-Purelib, py*-none-any only) and it carries no compiled file."""
    wheel = dist.read_text("WHEEL") or ""
    fields = [line.partition(":")[::2] for line in wheel.splitlines()]
    purelib = any(k == "Root-Is-Purelib" and v.strip().lower() == "true" for k, v in fields)
    tags = [v.strip() for k, v in fields if k == "Tag"]
    return purelib and bool(tags) and all(t.endswith("-none-any") for t in tags) \
        and not compiled_files(dist)


def installed_bytes(dist: metadata.Distribution) -> int:
    """What the package puts into site-packages (bytecode caches and scripts left out)."""
    total = 0
    for f in dist.files or []:
        if f.suffix == ".pyc" or str(f).startswith(".."):
            continue
        path = Path(dist.locate_file(f))
        if path.is_file():
            total += path.stat().st_size
    return total


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def unavailable(packages: dict[str, Package], index: dict[str, list[Version]]) -> list[str]:
    """Why each package that cannot go onto a phone cannot (empty when all can)."""
    problems = []
    for pkg in packages.values():
        if is_pure(pkg.dist):
            continue
        versions = index.get(pkg.name)
        if versions is None:
            why = (f"compiled files {compiled_files(pkg.dist)[:3]}" if compiled_files(pkg.dist)
                   else "its wheel is not pure (Root-Is-Purelib / tag)")
            problems.append(f"{pkg.name}: not pure Python ({why}) and not in Flet's mobile index; "
                            f"needed by {', '.join(w for w, _ in pkg.wanted_by)}")
            continue
        allowed = [v for v in versions
                   if all(r.specifier.contains(v, prereleases=True) for _, r in pkg.wanted_by)]
        if not allowed:
            wants = "; ".join(f"{w}: {r}" for w, r in pkg.wanted_by)
            problems.append(f"{pkg.name}: Flet's mobile index has {', '.join(map(str, versions))}, "
                            f"none allowed by {wants}")
    return problems


def test_every_package_a_phone_installs_is_pure_python_or_in_flets_mobile_index():
    packages = closure(project()["dependencies"])
    assert {"flet", "httpx", "pillow", "msgpack"} <= packages.keys()  # the resolver found the tree
    assert unavailable(packages, load_index()) == []
    sizes = {name: installed_bytes(p.dist) for name, p in packages.items()}
    binary = sorted(n for n, p in packages.items() if not is_pure(p.dist))
    print(f"\nphone bundle: {len(packages)} packages, {sum(sizes.values()) / 1e6:.1f} MB installed "
          f"in this venv (binary, from Flet's index on a phone: {', '.join(binary)})")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {size / 1e6:6.2f} MB  {name} {packages[name].dist.version}")
    for root in project()["dependencies"]:
        name = canonicalize_name(Requirement(root).name)
        without = closure([r for r in project()["dependencies"] if r != root])
        only = sorted(set(packages) - set(without))
        print(f"  {name} brings {len(only)} package(s), "
              f"{sum(sizes[n] for n in only) / 1e6:.2f} MB: {', '.join(only)}")


def test_no_server_or_web_package_is_in_the_phones_closure():
    """The extras that hold the server and web mode stay off the phone, whatever pulls them."""
    extras = project()["optional-dependencies"]
    kept_off = {canonicalize_name(Requirement(r).name) for key in ("server", "web")
                for r in extras[key]} - {"flet"}  # web = flet[web]: the extra, not flet, stays off
    kept_off |= {canonicalize_name(Requirement(r).name)
                 for r in metadata.distribution("flet").requires or []
                 if Requirement(r).marker and 'extra == "web"' in str(Requirement(r).marker)}
    assert kept_off >= {"fastapi", "uvicorn", "flet-web"}
    assert not kept_off & set(closure(project()["dependencies"]))


def test_a_compiled_package_outside_flets_index_is_refused():
    """The check can fail: a package with compiled files and no row in the index is named."""
    packages = closure(["uvloop"], requirer="a test")  # compiled, and mobile-forge has no recipe
    assert not is_pure(packages["uvloop"].dist)
    (problem,) = unavailable(packages, load_index())
    assert problem.startswith("uvloop: not pure Python") and "needed by a test" in problem


def test_a_requirement_the_indexs_versions_do_not_meet_is_refused():
    packages = closure(["pillow>=99"], requirer="a test")  # the index's newest is 12.2.0
    (problem,) = unavailable(packages, load_index())
    assert "pillow: Flet's mobile index has" in problem and "a test: pillow>=99" in problem


def test_markers_are_evaluated_for_a_phone_not_for_this_machine():
    assert applies(Marker('sys_platform == "android"'), set())
    assert applies(Marker('platform_system == "iOS"'), set())
    assert not applies(Marker('sys_platform == "linux"'), set())
    assert not applies(Marker('python_version < "3.11"'), set())  # flet's typing-extensions
    assert applies(Marker('python_version >= "3.14"'), set())
    assert not applies(Marker('extra == "web"'), set())
    assert applies(Marker('extra == "web"'), {"web"})


def test_the_app_imports_only_what_the_phone_installs():
    """A dependency dropped from ``[project] dependencies`` (sqlite-utils went to the server's
    extra, see patrol_app/core/store.py) leaves no import behind that a phone could not meet."""
    import sys

    from tests.unit.test_boundaries import imports_of

    carried = closure(project()["dependencies"])
    # web mode only (the browser client; imported by the CLI's --web path, never on a phone)
    web = closure(project()["dependencies"] + project()["optional-dependencies"]["web"])
    web_only = {"patrol_app/platform/web_page.py"}
    dists = metadata.packages_distributions()
    own = {"patrol_app", "patrol_wire", "patrol_rules"}
    missing = sorted((path, name) for package in own for path, names in imports_of(package).items()
                     for name in names - set(sys.stdlib_module_names) - own
                     if not any(canonicalize_name(d) in (web if path in web_only else carried)
                                for d in dists.get(name, [])))
    assert missing == []
    assert "sqlite-utils" not in carried and "pip" not in carried
