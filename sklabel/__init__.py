"""Decode classifier scores (probabilities or logits) into class names."""

from ._decoder import ProbabilityDecoder
from ._find_thresholds import find_thresholds

__version__ = "0.1.dev0"

__all__ = [
    "ProbabilityDecoder",
    "__version__",
    "find_thresholds",
]
