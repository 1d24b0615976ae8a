"""Print 'passed failed' for the Odoo test run from its log.

Odoo logs, per phase, "N failed, E error(s) of T tests when loading database"
(or "... tests"). A run that logged no test at all, that crashed, or that
logged an ERROR outside any test counts as a failure: Odoo tests must run.
"""
import re
import sys

log_path, return_code = sys.argv[1], int(sys.argv[2])
text = open(log_path, encoding="utf-8", errors="replace").read()
summary = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
passed = failed = 0
for fails, errors, total in summary.findall(text):
    failed += int(fails) + int(errors)
    passed += int(total) - int(fails) - int(errors)
ran = re.findall(r"Ran (\d+) tests?", text)
if not summary.findall(text) and not ran:
    failed += 1  # no test ran: Odoo missing, install failed, or tests not found
# An ERROR logged outside the test machinery (module install, registry load,
# a broken view) counts as one failure even when every test passed.
level_line = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) \S+ (\S+): ", re.M)
outside = [logger for _level, logger in level_line.findall(text)
           if not logger.startswith(("odoo.tests", "odoo.addons.l10n_in_einvoice.tests"))]
if outside or (return_code != 0 and failed == 0):
    failed += 1
    sys.stderr.write("errors outside the tests, from: %s\n" % ", ".join(sorted(set(outside))) if outside
                     else "odoo exited with status %d\n" % return_code)
print(passed, failed)
