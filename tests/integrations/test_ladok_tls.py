"""Client-certificate authentication against the Ladok stand-in over HTTPS: a throwaway CA signs
the clients' certificates, the server refuses a client without one, and a PEM or a PKCS#12 file
(each with its passphrase) gets in, read from examflow's settings as a flow would."""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from prefect.blocks.system import Secret
from prefect.testing.utilities import prefect_test_harness
from pydantic import ValidationError

from integrations.http import RetryPolicy, Unavailable
from integrations.ladok import LadokClient
from integrations.systems import ladok_tls
from integrations.tls import CertificateError, client_context
from models.settings import settings_from_env
from simulators.ladok import create_app
from simulators.server import Tls, serve_in_thread
from tests.integrations.test_transport import _self_signed

PASSPHRASE = "correct horse"


@dataclass
class Register:
    url: str
    ca: Path  # signs the server's certificate (it is its own) and every client's
    pem: Path
    p12: Path
    occasion: str


def _client_certificate(ca_cert: Path, ca_key: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    issuer = x509.load_pem_x509_certificate(ca_cert.read_bytes())
    signer = serialization.load_pem_private_key(ca_key.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "examflow integration user")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .sign(signer, hashes.SHA256())
    )
    return certificate, key


def _write_pem(path: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    encrypted = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    path.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encrypted)
    )
    return path


def _write_p12(path: Path, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Path:
    encrypted = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"examflow", key, certificate, None, encrypted))
    return path


@pytest.fixture(scope="module")
def register(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Register]:
    folder = tmp_path_factory.mktemp("ladok-tls")
    ca_cert, ca_key = _self_signed(folder)
    certificate, key = _client_certificate(ca_cert, ca_key)
    pem = _write_pem(folder / "client.pem", certificate, key)
    p12 = _write_p12(folder / "client.p12", certificate, key)
    tls = Tls(certificate=ca_cert, key=ca_key, client_ca=ca_cert)
    with serve_in_thread(create_app(folder / "ladok.db"), tls=tls) as url:
        context = client_context(pem, PASSPHRASE, ca_cert)
        spec = {"seed": 3, "course_rounds": 2, "occasions": 1, "students": 20, "registrations": 20}
        with httpx.Client(base_url=url, verify=context, timeout=30) as control:
            occasion = control.post("/_sim/term", json=spec).raise_for_status().json()["occasions"][0]
        yield Register(url, ca_cert, pem, p12, occasion)


def test_a_client_without_a_certificate_is_refused(register: Register) -> None:
    trusting = ssl.create_default_context(cafile=str(register.ca))  # trusts the server, shows nothing
    with LadokClient(f"{register.url}/", retry=RetryPolicy(attempts=1), ssl_context=trusting) as client:
        with pytest.raises(Unavailable):
            client.get_occasion(register.occasion)
    with pytest.raises(httpx.TransportError), httpx.Client(verify=trusting) as bare:
        bare.get(f"{register.url}/resultat/aktivitetstillfalle/{register.occasion}").raise_for_status()


@pytest.mark.parametrize("kind", ["pem", "p12"])
def test_a_client_with_its_certificate_gets_in(register: Register, kind: str) -> None:
    certificate = register.pem if kind == "pem" else register.p12
    with LadokClient(
        f"{register.url}/", ssl_context=client_context(certificate, PASSPHRASE, register.ca)
    ) as client:
        assert client.get_occasion(register.occasion).uid == register.occasion
        assert len(client.search_study_results(register.occasion)) > 0


@pytest.mark.parametrize("kind", ["pem", "p12"])
def test_a_wrong_passphrase_is_named_with_the_file(register: Register, kind: str) -> None:
    certificate = register.pem if kind == "pem" else register.p12
    with pytest.raises(CertificateError, match=f"client certificate {certificate}: .*passphrase"):
        client_context(certificate, "wrong", register.ca)


def test_a_missing_or_foreign_file_is_named(register: Register, tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match=f"client certificate {tmp_path / 'none.p12'}: No such file"):
        client_context(tmp_path / "none.p12", PASSPHRASE)
    (tmp_path / "notes.txt").write_text("not a certificate")
    with pytest.raises(CertificateError, match="neither PEM nor PKCS#12"):
        client_context(tmp_path / "notes.txt", PASSPHRASE)


def test_a_pkcs12_key_leaves_no_file_behind(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    client_context(register.p12, PASSPHRASE, register.ca)
    assert list(tmp_path.iterdir()) == []


def test_the_certificate_comes_from_the_settings_and_the_passphrase_stays_secret(
    register: Register, tmp_path: Path
) -> None:
    settings = settings_from_env(
        {
            "EXAMFLOW_HOME": str(tmp_path),
            "EXAMFLOW_LADOK_URL": "https://api.ladok.example.se/",
            "EXAMFLOW_LADOK_CERT": str(register.p12),
            "EXAMFLOW_LADOK_CERT_PASSWORD": PASSPHRASE,
            "EXAMFLOW_LADOK_CA_BUNDLE": str(register.ca),
        }
    )
    assert PASSPHRASE not in repr(settings) and PASSPHRASE not in str(settings.model_dump())
    context = ladok_tls(settings)
    assert context is not None
    with LadokClient(f"{register.url}/", ssl_context=context) as client:
        assert client.get_occasion(register.occasion).uid == register.occasion


def test_a_register_beyond_this_machine_needs_a_certificate(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="EXAMFLOW_LADOK_CERT must be set"):
        settings_from_env({"EXAMFLOW_HOME": str(tmp_path), "EXAMFLOW_LADOK_URL": "https://api.ladok.se/"})
    assert ladok_tls(settings_from_env({"EXAMFLOW_HOME": str(tmp_path)})) is None  # the stand-in: none


def test_the_passphrase_can_come_from_a_prefect_secret_block(register: Register, tmp_path: Path) -> None:
    env = {
        "EXAMFLOW_HOME": str(tmp_path),
        "EXAMFLOW_LADOK_CERT": str(register.pem),
        "EXAMFLOW_LADOK_CERT_PASSWORD_BLOCK": "ladok-certificate-passphrase",
        "EXAMFLOW_LADOK_CA_BUNDLE": str(register.ca),
    }
    with prefect_test_harness(server_startup_timeout=120):
        Secret(value=PASSPHRASE).save("ladok-certificate-passphrase")
        context = ladok_tls(settings_from_env(env))
    with LadokClient(f"{register.url}/", ssl_context=context) as client:
        assert client.get_occasion(register.occasion).uid == register.occasion
