"""TLS for a system that authenticates its clients by certificate (Ladok's integration API does).

A client certificate comes as a PEM file holding the certificate (and its chain) and the private
key, or as a PKCS#12 file (`.p12`, `.pfx`), either one protected by a passphrase or not. `ssl`
loads a certificate only from files in PEM, so a PKCS#12 file is converted here: its key is written,
encrypted with a one-time passphrase, to a file only this user can read, loaded, and removed at once.
"""

from __future__ import annotations

import os
import secrets
import ssl
import tempfile
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12


class CertificateError(ValueError):
    """A client certificate that cannot be loaded; the message names the file and why."""


def client_context(
    certificate: Path, password: str | None = None, ca_bundle: Path | None = None
) -> ssl.SSLContext:
    """A client context presenting `certificate`, trusting `ca_bundle` (else the usual trust store)."""
    context = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else httpx.create_ssl_context()
    try:
        data = certificate.read_bytes()
    except OSError as exc:
        raise CertificateError(f"client certificate {certificate}: {exc.strerror}") from None
    if b"-----BEGIN" in data:
        _load_pem(context, certificate, password)
    else:
        _load_pkcs12(context, certificate, data, password)
    return context


def _load_pem(context: ssl.SSLContext, certificate: Path, password: str | None) -> None:
    try:
        context.load_cert_chain(certificate, password=password or None)
    except ssl.SSLError as exc:
        raise CertificateError(
            f"client certificate {certificate}: not a PEM certificate with its private key, "
            f"or the passphrase is wrong ({exc.reason or exc})"
        ) from None


def _load_pkcs12(context: ssl.SSLContext, certificate: Path, data: bytes, password: str | None) -> None:
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError:
        raise CertificateError(
            f"client certificate {certificate}: neither PEM nor PKCS#12, or the passphrase is wrong"
        ) from None
    if key is None or cert is None:
        raise CertificateError(
            f"client certificate {certificate}: the PKCS#12 file lacks its key or certificate"
        )
    once = secrets.token_urlsafe(32)
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [cert, *chain])
    pem += key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(once.encode()),
    )
    with tempfile.TemporaryDirectory(prefix="examflow-cert-") as folder:  # made 0700
        path = Path(folder) / "client.pem"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        context.load_cert_chain(path, password=once)
