"""Certificates: evidence plus a verifier that recomputes ``verified`` from the model alone."""

from mechopt.certificates.kkt import KKTCertificate, kkt_certificate
from mechopt.certificates.nash import NashCertificate, nash_certificate

__all__ = ["KKTCertificate", "NashCertificate", "kkt_certificate", "nash_certificate"]
