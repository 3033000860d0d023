"""The one error every reader raises.
"""

from __future__ import annotations


class PageError(ValueError):
    """The input cannot be read as a page; the message says what to fix."""
