"""The root of stylebridge's user-facing errors: the CLI prints these without a traceback."""


class StylebridgeError(Exception):
    """Something the user can fix; the message says what and how."""
