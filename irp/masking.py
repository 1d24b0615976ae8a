"""What never reaches a log: one declarative list of secret JSON keys and header
names, and the masking of objects and headers by it."""
MASK = "***"
# JSON keys and header names whose values never reach a log (compared lower-case)
SECRET_KEYS = frozenset({"password", "client_secret", "client-secret", "authtoken", "sek", "appkey",
                         # the e-way bill system's names (nic-ewb-api.md §3-§4)
                         "app_key", "rek"})
# header names that carry secrets whatever a GSP calls them
SECRET_HEADER_HINTS = ("secret", "token", "password", "authorization", "apikey", "api-key", "api_key")


def mask(obj):
    """A copy of a JSON-like object with secret values replaced by ***."""
    if isinstance(obj, dict):
        return {key: MASK if str(key).lower() in SECRET_KEYS and value not in (None, "") else mask(value)
                for key, value in obj.items()}
    if isinstance(obj, list):
        return [mask(value) for value in obj]
    return obj


def mask_headers(headers, also_secret=()):
    masked = {}
    for name, value in headers.items():
        lowered = name.lower()
        secret = (lowered in SECRET_KEYS or lowered in also_secret
                  or any(hint in lowered for hint in SECRET_HEADER_HINTS))
        masked[name] = MASK if secret and value else value
    return masked
