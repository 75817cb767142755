"""The root of stylebridge's user-facing errors: the CLI prints these without a traceback."""


class StylebridgeError(Exception):
    """Something the user can fix; the message says what and how."""


class SettingsError(StylebridgeError, ValueError):
    """An option's value cannot work (an image size the network cannot take, a batch larger than the data)."""
