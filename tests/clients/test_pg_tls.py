"""The PostgreSQL wire server with a certificate: clients that ask for TLS get it (and can
verify the certificate), and the rows are the same as over a plain connection."""

from __future__ import annotations

import datetime as dt
import ipaddress

import psycopg
import pytest

from distillr.pg import PgServer


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def tls_server(registry_home, cert):
    server = PgServer(registry_home, port=0, certfile=cert[0], keyfile=cert[1])
    with server.running():
        yield server


SQL = "SELECT sid, status FROM tw.messages ORDER BY sid LIMIT 20"


def _dsn(server, sslmode: str, **extra: str) -> str:
    text = f"host=127.0.0.1 port={server.port} dbname=distillr user=me sslmode={sslmode}"
    return " ".join([text, *(f"{k}={v}" for k, v in extra.items())])


def test_tls_is_used_and_verifies(tls_server, cert):
    with psycopg.connect(_dsn(tls_server, "verify-full", sslrootcert=cert[0])) as conn:
        assert conn.pgconn.ssl_in_use
        rows = conn.execute(SQL).fetchall()
    with psycopg.connect(_dsn(tls_server, "disable")) as plain:
        assert not plain.pgconn.ssl_in_use
        assert plain.execute(SQL).fetchall() == rows
    assert len(rows) == 20


def test_a_server_without_a_certificate_refuses_tls_clients(registry_home):
    server = PgServer(registry_home, port=0)
    with server.running(), pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(_dsn(server, "require"))


def test_a_certificate_the_client_does_not_trust_is_refused(tls_server):
    # the system's roots do not include this self-signed certificate
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.connect(_dsn(tls_server, "verify-full", sslrootcert="system"))
