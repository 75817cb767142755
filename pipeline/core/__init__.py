"""The bottom layer, importable by everything: the pixel contract, user-facing errors, atomic file I/O,
the built-in synthetic imagery. It imports nothing else of stylebridge."""
