"""Blueprint 'explore' (placeholder: filled in by its issue)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("explore", __name__)
