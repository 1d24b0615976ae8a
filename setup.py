"""setuptools glue for pyproject.toml: what cannot be static there.

- the package odoo.addons.l10n_in_einvoice is this directory, whatever the
  directory is called (the addon name never comes from the checkout's name);
- version and dependencies come from __manifest__.py (one source of truth);
- packages are the directories holding an __init__.py; package data is every file
  of a kind the addon reads at run time (views, data, security, static, report,
  i18n, schemas, golden files of the Odoo tests, readme fragments).
Left out: .local/, .git/, .ci/, scripts/, build outputs, caches, the pure test
folders irp/tests and sandbox/tests (no __init__.py: pytest only), and the
development files at the root (pytest.ini, requirements*.txt, this file).
"""
import ast
import os

from setuptools import setup
from setuptools.command.build_py import build_py

ADDON = "l10n_in_einvoice"
PACKAGE = "odoo.addons." + ADDON
HERE = os.path.dirname(os.path.abspath(__file__))

# Never part of the addon (relative to the addon's root).
SKIP_DIRS = {".git", ".local", ".ci", "scripts", "build", "dist", ".ruff_cache",
             ".pytest_cache", "__pycache__", ".mypy_cache", ".tox", ".venv", "venv"}
# File kinds the addon (or Odoo on its behalf) reads at run time.
DATA_SUFFIXES = {".xml", ".csv", ".sql", ".json", ".js", ".css", ".scss", ".less",
                 ".html", ".png", ".svg", ".jpg", ".jpeg", ".gif", ".ico", ".webp",
                 ".woff", ".woff2", ".ttf", ".po", ".pot", ".md", ".rst", ".txt"}
# Root files that are the project's, not the addon's.
SKIP_ROOT_FILES = {"requirements.txt", "requirements-dev.txt", "pytest.ini",
                   "setup.py", "pyproject.toml"}


def read_manifest():
    with open(os.path.join(HERE, "__manifest__.py"), encoding="utf-8") as f:
        return ast.literal_eval(f.read())


def pep440_version(manifest_version):
    parts = manifest_version.split(".")
    if len(parts) != 5 or parts[:2] != ["18", "0"] or not all(p.isdigit() for p in parts):
        raise ValueError(f"__manifest__.py version {manifest_version!r} is not 18.0.x.y.z")
    return ".".join(str(int(p)) for p in parts)


def walk():
    """(relative directory, file names) of the addon, skipping what is not the addon."""
    for root, dirs, files in os.walk(HERE):
        rel = os.path.relpath(root, HERE)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")
                         and not (rel == "." and d.startswith(".")))
        # the pure test folders have no __init__.py and are run by pytest only
        dirs[:] = [d for d in dirs if os.path.join(rel, d) not in ("irp/tests", "sandbox/tests")]
        yield rel, sorted(files)


def packages_and_data():
    packages, package_data = [], {}
    tree = list(walk())
    package_dirs = {rel for rel, files in tree if "__init__.py" in files}
    for rel in package_dirs:
        packages.append(PACKAGE if rel == "." else PACKAGE + "." + rel.replace(os.sep, "."))
    for rel, files in tree:
        for name in files:
            if os.path.splitext(name)[1].lower() not in DATA_SUFFIXES:
                continue
            if rel == "." and name in SKIP_ROOT_FILES:
                continue
            # the data file belongs to the closest enclosing package
            owner = rel
            while owner not in package_dirs:
                owner = os.path.dirname(owner) or "."
            path = os.path.relpath(os.path.join(rel, name), owner)
            key = PACKAGE if owner == "." else PACKAGE + "." + owner.replace(os.sep, ".")
            package_data.setdefault(key, []).append(path)
    package_dir = {PACKAGE: "."}
    return sorted(packages), package_dir, package_data


class BuildPy(build_py):
    """The root package is this directory: keep setup.py itself out of it."""

    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        if package == PACKAGE:
            modules = [m for m in modules if m[1] != "setup"]
        return modules


# setuptools' scratch files (build/, *.egg-info) go under the git-ignored .local/,
# not into the addon, where Odoo and the next build would see them.
SCRATCH = os.path.join(HERE, ".local")
os.makedirs(SCRATCH, exist_ok=True)

manifest = read_manifest()
packages, package_dir, package_data = packages_and_data()
setup(
    version=pep440_version(manifest["version"]),
    install_requires=["odoo>=18.0a,<18.1dev"]
    + list(manifest.get("external_dependencies", {}).get("python", [])),
    packages=packages,
    package_dir=package_dir,
    package_data=package_data,
    cmdclass={"build_py": BuildPy},
    options={"build": {"build_base": os.path.join(SCRATCH, "build")},
             "egg_info": {"egg_base": SCRATCH}},
)
