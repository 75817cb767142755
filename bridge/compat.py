"""The protocol's version and compatibility rule, and the capability flags each side announces.

One place, mirrored by the C# client (`Compat.cs`), so both sides apply the same rule:

* a message whose header carries another major version is not understood: it is refused with
  ERROR VERSION_MISMATCH and nothing else is read from it;
* a different minor version works: both sides log a warning once, at the handshake;
* new behaviour is announced as a capability in HELLO (`caps`) and HELLO_ACK (`caps`) and used only
  when both sides list it; unknown capabilities and unknown body fields are ignored.

Revision history: 1.0, the first version. 1.1: COMPARE flag bit 1 asks for the A/B diagnosis, which
COMPARE_RESULT carries in `diagnosis` (capability `diagnosis`); HELLO_ACK's `model` says under which
contract frames are served (`served_contract`) beside the model's own (`contract`).
"""

from __future__ import annotations

PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 1

# What the server handles: request kinds, then pixel formats, row orders and colour encodings beyond the
# defaults (RGBA32 is always accepted; top-down and sRGB are the defaults).
SERVER_CAPABILITIES = (
    "frame", "compare", "capture", "control", "rgba32", "rgb24", "bottom_up", "linear", "diagnosis",
)  # fmt: skip
# What the reference Python client sends.
CLIENT_CAPABILITIES = ("frame", "compare", "capture", "control")


def version_text(major: int = PROTOCOL_MAJOR, minor: int = PROTOCOL_MINOR) -> str:
    return f"{major}.{minor}"


def understands(major: int) -> bool:
    """Whether a message of protocol `major`.x can be read at all."""
    return major == PROTOCOL_MAJOR


def version_mismatch_reason(major: int, minor: int) -> str:
    """The reason an ERROR VERSION_MISMATCH gives."""
    return (
        f"protocol {version_text(major, minor)} is not understood; this side speaks {PROTOCOL_MAJOR}.x "
        "(major versions must match: update the client or the server)"
    )


def minor_mismatch_warning(peer: str, peer_minor: int) -> str | None:
    """A warning for the log when `peer` speaks another minor version of the same major; None when equal."""
    if peer_minor == PROTOCOL_MINOR:
        return None
    return (
        f"{peer} speaks protocol {version_text(PROTOCOL_MAJOR, peer_minor)}, this side "
        f"{version_text()}: it works, but features only one side knows are not used"
    )
