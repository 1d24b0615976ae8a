"""Print Odoo's requirements.txt as pins that install on this interpreter.

Odoo 18 pins old releases for Python < 3.12 (cryptography 3.4, gevent 22...)
that no longer build against current wheels; its Python 3.12 pins do install
on 3.11. So markers are evaluated as if on 3.12 and the markers dropped.
Packages only needed by modules this project never loads are skipped.
"""
import sys

from pip._vendor.packaging.markers import Marker
from pip._vendor.packaging.requirements import Requirement

SKIPPED = {
    "python-ldap",  # auth_ldap only; needs libldap headers to build
    "pypiwin32",
    "rl-renderpm",
}
# Same code as wheels, so no PostgreSQL headers or compiler are needed.
RENAMED = {"psycopg2": "psycopg2-binary"}
AS_IF = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux"}


def main(path):
    for raw in open(path, encoding="utf-8"):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        if req.name.lower() in SKIPPED:
            continue
        if req.marker and not Marker(str(req.marker)).evaluate(AS_IF):
            continue
        print(f"{RENAMED.get(req.name.lower(), req.name)}{req.specifier}")


if __name__ == "__main__":
    main(sys.argv[1])
