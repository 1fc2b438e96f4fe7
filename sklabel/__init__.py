"""Decode classifier scores (probabilities or logits) into class names."""

from ._dask import decode_dask, transform_dask
from ._decoder import ProbabilityDecoder
from ._find_thresholds import find_thresholds

__version__ = "0.1.dev0"

__all__ = [
    "ProbabilityDecoder",
    "__version__",
    "decode_dask",
    "find_thresholds",
    "transform_dask",
]
