"""Decode classifier scores (probabilities or logits) into class names."""

from ._classifier import DecodedClassifier
from ._dask import decode_dask, transform_dask
from ._decoder import ProbabilityDecoder
from ._find_thresholds import find_thresholds
from ._persistence import from_json, load_skops, to_json
from ._plot import ThresholdCurveDisplay

__version__ = "0.1.dev0"

__all__ = [
    "DecodedClassifier",
    "ProbabilityDecoder",
    "ThresholdCurveDisplay",
    "__version__",
    "decode_dask",
    "find_thresholds",
    "from_json",
    "load_skops",
    "to_json",
    "transform_dask",
]
