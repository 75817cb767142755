"""Who may talk to the server: loopback only, unless CURVE keys (or an explicit --insecure) say otherwise.

The server runs arbitrary frames through a model and writes files on request, so it binds to
127.0.0.1 by default. Binding a reachable address requires ZeroMQ CURVE: the server's key pair,
and a folder of client public keys that are allowed in (checked by a ZAP authenticator).

Key folder layout, as `generate_keys` writes it (ZeroMQ certificates as pyzmq writes them; PROTOCOL.md,
"Security", says how to read them without pyzmq):

    server.key, server.key_secret          the server's key pair (give clients server.key)
    client.key, client.key_secret          a client key pair (copy both to the client)
    authorized_clients/client.key          public keys the server lets in (add more, then restart the server:
                                           the folder is read when the server starts)
"""

from __future__ import annotations

import ipaddress
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from pipeline.core.errors import StylebridgeError

AUTHORIZED = "authorized_clients"


class SecurityError(StylebridgeError, ValueError):
    """A bind or key set-up that would expose the server, or keys that cannot be read."""


def is_loopback(endpoint: str) -> bool:
    """True for tcp endpoints on 127.0.0.0/8, ::1 or localhost, and for ipc/inproc endpoints."""
    scheme, _, rest = endpoint.partition("://")
    if scheme in ("ipc", "inproc"):
        return True
    if scheme != "tcp":
        return False
    host = urlsplit(f"//{rest}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # '*', an interface name or a host name: reachable from elsewhere
        return False


def check_bind(endpoint: str, curve_keys: Path | None, insecure: bool) -> None:
    if is_loopback(endpoint) or curve_keys is not None or insecure:
        return
    raise SecurityError(
        f"refusing to bind {endpoint}: it is reachable from other machines and the bridge runs any frame sent "
        "to it. Create keys with `stylebridge keys DIR` and pass --curve-keys DIR, pass --insecure if the "
        "network is trusted, or bind tcp://127.0.0.1:PORT"
    )


def generate_keys(folder: str | Path, client_name: str = "client") -> Path:
    """Write a server key pair and one authorized client key pair into `folder`."""
    folder = Path(folder)
    if (folder / "server.key_secret").exists():
        raise SecurityError(f"{folder} already holds server keys; use a new folder or delete them first")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / AUTHORIZED).mkdir(exist_ok=True)
    folder.chmod(0o700)
    _, server_secret = zmq.auth.create_certificates(str(folder), "server")
    public, client_secret = zmq.auth.create_certificates(str(folder), client_name)
    for secret in (server_secret, client_secret):
        Path(secret).chmod(0o600)  # a secret key readable by others is no secret
    shutil.copy(public, folder / AUTHORIZED / Path(public).name)
    return folder


def load_keypair(path: Path) -> tuple[bytes, bytes]:
    """(public, secret) from a `.key_secret` file."""
    try:
        public, secret = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise SecurityError(f"cannot read CURVE keys from {path} ({exc}); create them with `stylebridge keys`") from exc
    if secret is None:
        raise SecurityError(f"{path} holds no secret key; pass the .key_secret file")
    return public, secret


def load_public_key(path: Path) -> bytes:
    try:
        public, _ = zmq.auth.load_certificate(str(path))
    except (OSError, ValueError) as exc:
        raise SecurityError(f"cannot read a CURVE public key from {path} ({exc})") from exc
    return public


@dataclass
class CurveServer:
    """A running ZAP authenticator; stop it when the server closes."""

    authenticator: ThreadAuthenticator

    def stop(self) -> None:
        self.authenticator.stop()


def secure_server(context: zmq.Context, socket: zmq.Socket, folder: Path) -> CurveServer:
    """Make `socket` (before bind) a CURVE server that admits only keys in folder/authorized_clients."""
    public, secret = load_keypair(folder / "server.key_secret")
    authorized = folder / AUTHORIZED
    if not authorized.is_dir():
        raise SecurityError(f"{authorized} is missing: it must hold the public keys of allowed clients")
    authenticator = ThreadAuthenticator(context)
    authenticator.start()
    authenticator.configure_curve(domain="*", location=str(authorized))
    socket.curve_secretkey = secret
    socket.curve_publickey = public
    socket.curve_server = True
    return CurveServer(authenticator)


def secure_client(socket: zmq.Socket, server_public: Path, client_keypair: Path) -> None:
    """Make `socket` (before connect) a CURVE client of the server whose public key is `server_public`."""
    public, secret = load_keypair(client_keypair)
    socket.curve_secretkey = secret
    socket.curve_publickey = public
    socket.curve_serverkey = load_public_key(server_public)
