"""Certificates: evidence plus a verifier that recomputes ``verified`` from the model alone."""

from .kkt import KKTCertificate, kkt_certificate
from .nash import NashCertificate, nash_certificate

__all__ = ["KKTCertificate", "NashCertificate", "kkt_certificate", "nash_certificate"]
