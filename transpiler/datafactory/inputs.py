"""Reading a task execution's input, with French errors a Product-Live user can act on.

Data Factory passes job inputs as they are: a SELECT user input arrives as its option key (the
string "true"), an absent `${workflow.input.x}` as null, a file as a file object
`{"object": "data_factory_file", "id", "url"}`. A bad value fails the execution with a message
naming the input, never with a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from transpiler.errors import PlAmazonError

_TRUE = {"true", "1", "yes", "oui", "on"}
_FALSE = {"false", "0", "no", "non", "off", ""}
_NAME = re.compile(r"^[A-Z0-9_]{1,100}$")


class TaskFailure(PlAmazonError):
    """The execution fails with `message` (French), shown to the Product-Live user as is."""

    def __init__(self, message: str, code: str = "TASK_FAILED"):
        self.message = message
        self.code = code
        super().__init__(message)


class TaskInputError(TaskFailure):
    """An input the task cannot use."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"Entrée « {key} » : {message}", "BAD_INPUT")


class ExecutionInputs:
    """The input of one execution; `fetch(reference, target)` downloads a file input."""

    def __init__(self, values: Mapping[str, Any], workdir: Path, fetch: Callable[[Any, Path], Path]):
        self.values = dict(values)
        self.workdir = workdir
        self._fetch = fetch

    def _given(self, key: str) -> Any:
        value = self.values.get(key)
        return None if value == "" else value

    def text(self, key: str) -> str | None:
        value = self._given(key)
        if value is None:
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise TaskInputError(key, "un texte est attendu")
        return str(value).strip() or None

    def choice(self, key: str, allowed: Iterable[str], default: str) -> str:
        allowed = tuple(allowed)
        value = self.text(key)
        if value is None:
            return default
        if value.lower() not in allowed:
            raise TaskInputError(key, f"« {value} » n'est pas une valeur possible ({', '.join(allowed)})")
        return value.lower()

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._given(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise TaskInputError(key, f"« {value} » n'est ni vrai (true) ni faux (false)")

    def names(self, key: str) -> list[str]:
        """Product type names: a list or a text separated by commas or spaces, upper-cased."""
        value = self._given(key)
        if value is None:
            return []
        parts = value if isinstance(value, list) else re.split(r"[\s,;]+", str(value))
        names = [str(p).strip().upper() for p in parts if str(p).strip()]
        bad = [n for n in names if not _NAME.match(n)]
        if bad:
            raise TaskInputError(key, f"nom de type de produit invalide : {bad[0][:60]}")
        return names

    def file(self, key: str, name: str) -> Path:
        """Download the file input `key` into the work folder; TaskInputError when it is missing."""
        value = self._given(key)
        if value is None:
            raise TaskInputError(key, "un fichier est attendu mais aucun n'a été transmis")
        if not (isinstance(value, Mapping) and (value.get("url") or value.get("id"))) and not (
                isinstance(value, str) and value.startswith(("https://", "http://"))):
            raise TaskInputError(key, "un fichier Data Factory (objet avec « url ») est attendu")
        return self._fetch(value, self.workdir / name)
