"""Control characters made visible, in log lines and in stored values.

The authorization app handles text chosen by whoever sends a request (the callback's query, the
path): a newline in a selling partner id would forge a log line, an ANSI escape would rewrite an
operator's terminal when `authorize list` prints the store. Such characters are written as
escapes (`\\x0a`, `\\u2028`): what was sent stays readable, and nothing is interpreted.
"""

from __future__ import annotations

import logging
import re

#: C0 and C1 controls, DEL, the line and paragraph separators, and the bidirectional overrides
#: and isolates that reorder what a terminal shows
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape."""
    return _CONTROLS.sub(_escaped, text)


class EscapeControls(logging.Filter):
    """A logging filter: the message of each record, once formatted, with control characters escaped
    (the traceback of an exception, written by the handler, is left as it is)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _CONTROLS.search(message):
            record.msg = escape_controls(message)
            record.args = None
        return True


def escape_logs(*names: str) -> None:
    """Escape control characters in every record these loggers emit (once per logger)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, EscapeControls) for f in logger.filters):
            logger.addFilter(EscapeControls())
