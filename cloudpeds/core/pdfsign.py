"""Cryptographic (PAdES) signatures of generated PDFs, with pyHanko.

The hospital's signing certificate and key are configured by settings
(`PDF_SIGNING_CERT`, `PDF_SIGNING_KEY`, `PDF_SIGNING_KEY_PASSPHRASE`: PEM files held by
the hospital, never in the repository). With none configured, documents are not signed
cryptographically; the signature record on the page stays (consultations' OpinionSignature).

The demo (`seed_demo`) generates a self-signed certificate under var/demo-signing/, which
settings use only in development: a reader's PDF viewer shows it as untrusted, as it must.
"""

from __future__ import annotations

import datetime
from io import BytesIO
from pathlib import Path

from django.conf import settings

DEMO_DIR_NAME = "demo-signing"


def signing_configured() -> bool:
    cert, key = settings.PDF_SIGNING_CERT, settings.PDF_SIGNING_KEY
    return bool(cert and key and Path(cert).is_file() and Path(key).is_file())


def sign_pdf(pdf: bytes, *, reason: str, name: str, location: str = "") -> bytes:
    """The PDF with an incremental PAdES signature, or unchanged if no certificate is set."""
    if not signing_configured():
        return pdf
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    passphrase = settings.PDF_SIGNING_KEY_PASSPHRASE
    signer = signers.SimpleSigner.load(
        settings.PDF_SIGNING_KEY,
        settings.PDF_SIGNING_CERT,
        key_passphrase=passphrase.encode() if passphrase else None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="OpinionSignature",
        reason=reason,
        name=name,
        location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def make_self_signed(directory: Path, common_name: str) -> tuple[Path, Path]:
    """A self-signed certificate and key for the demo (or a test), written to `directory`.
    Never for production: a hospital signs with a certificate from its CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cloud Pediatrics DEMO - not a real certificate"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def ensure_demo_certificate() -> Path | None:
    """seed_demo: the demo's self-signed certificate under var/, made once. Only where
    settings point at it (development); a configured hospital certificate is left alone."""
    demo_dir = settings.VAR_DIR / DEMO_DIR_NAME
    if Path(settings.PDF_SIGNING_CERT or "") != demo_dir / "cert.pem":
        return None
    if not (demo_dir / "cert.pem").is_file() or not (demo_dir / "key.pem").is_file():
        make_self_signed(demo_dir, "Cloud Pediatrics demo signing certificate (self-signed)")
    return demo_dir / "cert.pem"
