"""The top layer: the `stylebridge` command and the demo. The only part of pipeline that may use the
bridge package; nothing below imports it."""
