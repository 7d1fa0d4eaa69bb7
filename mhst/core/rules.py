"""The exception domain operations raise when a rule is broken."""


class RuleError(ValueError):
    """A domain rule was broken; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message
