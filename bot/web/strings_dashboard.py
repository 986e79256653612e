"""The dashboard pages' words, in English and Odia (the same keys in both)."""

from __future__ import annotations

ENGLISH: dict[str, str] = {}
ODIA: dict[str, str] = {}
