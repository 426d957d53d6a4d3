"""Blueprint 'ror' (placeholder: filled in by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ror", __name__)
