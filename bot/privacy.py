"""Masking of ID and phone numbers wherever they leave the ticket store: logs, read-outs, UIs.

The full values stay in the database for the back office; everything else (log files,
transcripts shown in dashboards, error reports) should only ever carry the masked forms.
mask_id / mask_phone are the NLU's own (one masking rule for read-back and logs), re-exported.
"""

from __future__ import annotations

import logging
import re

from nlu.id_number import mask_id
from nlu.phone_number import mask_phone

__all__ = ["PiiMaskingFilter", "install_pii_filter", "mask_id", "mask_phone", "mask_pii"]

# 18-character resident ID: 17 digits plus a digit or X, not part of a longer digit run.
_ID_RE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
# Mainland mobile, optionally with +86/86 and 3-4-4 separators.
_MOBILE_RE = re.compile(r"(?<![\d+])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")


def mask_pii(text: str) -> str:
    """Every ID and mobile number in free text replaced by its masked form."""
    text = _ID_RE.sub(lambda m: mask_id(m.group(0)), text)
    return _MOBILE_RE.sub(lambda m: mask_phone("".join(m.groups())), text)


class PiiMaskingFilter(logging.Filter):
    """Rewrites a record's message (after %-formatting with its args) and traceback masked.

    Attach it to handlers, not loggers: a logger's filters do not see records propagated
    from child loggers, a handler's do.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a broken format string: logging reports it itself
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_pii(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return True


def install_pii_filter(logger: logging.Logger | None = None) -> int:
    """Put one PiiMaskingFilter on each handler of `logger` (default: root) and on the logger
    itself; call it after logging is configured. Returns how many handlers got one."""
    logger = logger or logging.getLogger()
    added = 0
    for target in [logger, *logger.handlers]:
        if any(isinstance(existing, PiiMaskingFilter) for existing in target.filters):
            continue
        target.addFilter(PiiMaskingFilter())
        if target is not logger:
            added += 1
    return added
