"""A local IRP: an HTTP server that speaks the NIC e-invoice protocol (nic-irp-api.md).

Nothing is imported here on purpose: Odoo imports the addon's subpackages only
when asked, and the server modules should not load with the addon.
Entry points: `python -m sandbox` (scripts/sandbox) and sandbox.testing.RunningSandbox.
"""
