"""The e-way bill's life after generation (nic-ewb-api.md §5.2-§5.7, §7)."""


def run(api, action, session, payload):
    from .ewb_api import fail
    raise fail("239", f"{action} is not served yet")
