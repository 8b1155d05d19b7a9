"""``--tls``: the sandbox over https, with a certificate from a throw-away authority.

The real service speaks only https, so a run against the sandbox over plain http skips the
handshake, the record layer and certificate checks every user pays for. :class:`TlsFiles` makes
a certificate authority that exists for one sandbox's life (``trustme``), issues a server
certificate for ``localhost``, ``127.0.0.1`` and ``::1``, and writes three PEM files into a
private temporary directory: the server's certificate and key (what uvicorn loads) and the
authority's certificate, which a client is given to trust. Nothing turns verification off:
a client that has not been given ``ca_file`` refuses the sandbox like any unknown server.

Example::

    tls = TlsFiles.create()
    uvicorn.Config(app, ssl_certfile=str(tls.cert_file), ssl_keyfile=str(tls.key_file))
    httpx.get("https://127.0.0.1:8443/", verify=ssl.create_default_context(cafile=tls.ca_file))
    tls.remove()
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reconciler_proctorexam.sandbox.errors import SandboxError

__all__ = ["TlsFiles"]

#: The name of the authority's certificate in the sandbox's TLS directory.
CA_FILE_NAME = "sandbox-ca.pem"

#: The names the server certificate is valid for: what a sandbox on loopback is reached by.
_HOSTNAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """The PEM files of one TLS sandbox, removed by :meth:`remove` (or on leaving ``with``)."""

    directory: Path
    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def create(cls) -> TlsFiles:
        """Make a new authority and server certificate, in a new private directory."""
        try:
            import trustme
        except ImportError:  # a declared dependency, but an install may have left it out
            raise SandboxError("--tls needs the trustme package: pip install trustme") from None
        ca = trustme.CA(organization_name="reconciler sandbox")
        leaf = ca.issue_cert(*_HOSTNAMES)
        # mkdtemp makes the directory readable by its owner only: the key stays private.
        directory = Path(tempfile.mkdtemp(prefix="reconciler-sandbox-tls-"))
        files = cls(
            directory=directory,
            ca_file=directory / CA_FILE_NAME,
            cert_file=directory / "server-cert.pem",
            key_file=directory / "server-key.pem",
        )
        ca.cert_pem.write_to_path(str(files.ca_file))
        leaf.private_key_pem.write_to_path(str(files.key_file))
        os.chmod(files.key_file, 0o600)
        # The chain: the server's certificate, then the authority's (what a client checks).
        with files.cert_file.open("wb") as out:
            for blob in leaf.cert_chain_pems:
                out.write(blob.bytes())
        return files

    def remove(self) -> None:
        """Delete the directory and every file in it; idempotent."""
        shutil.rmtree(self.directory, ignore_errors=True)
