"""Phone numbers as LiveKit compares them: the model's (`_model.numbers`), which the providers' checks share."""

from .._model.numbers import formatted, normalize_number, same_number

__all__ = ["formatted", "normalize_number", "same_number"]
