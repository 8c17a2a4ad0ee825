"""Typed input errors: every loader raises these, the CLI prints them as one line and exits 2."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: names the file, row and field, and says what to do.

    Parameters
    ----------
    reason : str
        What is wrong and, where possible, what to do about it.
    file : str, optional
        The file (or layer, or study-area spec) the problem was found in.
    row : int or str, optional
        The row number (1-based data row) or feature id.
    field : str, optional
        The column / attribute / argument at fault.
    """

    def __init__(self, reason: str, *, file=None, row=None, field=None):
        self.reason = reason
        self.file = None if file is None else str(file)
        self.row = row
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message as one line: ``file, row N, field 'x': reason``."""
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        # One line, always: library messages (GDAL, pandas) may carry line breaks.
        reason = " ".join(str(self.reason).split())
        return f"{prefix}: {reason}" if prefix else reason


class DataWarning(UserWarning):
    """Something in the user's data was worked around, not refused (a tag cut to OSM's limit, a file in
    the scenario store that is not read): said once, as one line (the CLI prints ``hedong: warning: ...``)."""


class UnknownAreaError(InputError):
    """The study-area spec is neither a built-in area nor a readable folder."""


class UnknownScenarioError(InputError):
    """A scenario name that the study area does not have."""


class ParameterError(InputError):
    """A library argument with a bad value (``minutes=-5``, ``mode="car"``, ``p=-1``, ``year=1990``).

    ``parameter`` is the Python argument's name; the CLI maps it to its flag
    (:data:`hedong.params.FLAGS`) when it prints the message.

    Parameters
    ----------
    parameter : str
        Name of the argument at fault.
    reason : str
        What is wrong and what is allowed.
    value : object, optional
        The value given.
    """

    def __init__(self, parameter: str, reason: str, *, value=None):
        self.parameter = parameter
        self.value = value  # what is allowed is in ``reason`` (layers.params words it)
        super().__init__(reason, field=parameter)


class InfeasibleModelError(RuntimeError):
    """An optimisation model has no solution with the arguments given — not bad input, not a bug.

    ``parameters`` names the arguments whose change could make it solvable (e.g. ``("p",
    "minutes")``); the CLI turns them into flag advice, the app into its own words.
    """

    def __init__(self, reason: str, *, parameters: tuple = ()):
        self.reason = reason
        self.parameters = tuple(parameters)
        super().__init__(reason)
