"""Certificates: evidence plus a verifier that recomputes ``verified`` from the model alone."""

from .nash import NashCertificate, nash_certificate

__all__ = ["NashCertificate", "nash_certificate"]
