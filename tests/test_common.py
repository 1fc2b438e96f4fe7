"""scikit-learn's common estimator checks, run on every sklabel estimator."""

from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from sklabel import ProbabilityDecoder

# The common checks fit on random feature matrices whose number of columns has
# nothing to do with the number of classes in y (say 10 columns and 3 classes).
# A decoder reads one score column per class and rejects such input with a
# ValueError, so every check built on that data fails at its first fit. The
# behaviour each of these checks is after (pickling, dtypes, NaN and infinite
# input, read-only memory maps, Pipelines, returning self, leaving parameters
# alone) is tested on valid scores in test_decoder.py.
COLUMN_COUNT_REASON = (
    "fits on a feature matrix whose column count differs from the number of "
    "classes in y, which a decoder rejects"
)

PROBABILITY_DECODER_XFAIL = {
    "check_estimators_dtypes": COLUMN_COUNT_REASON,
    "check_estimators_fit_returns_self": COLUMN_COUNT_REASON,
    "check_estimators_overwrite_params": COLUMN_COUNT_REASON,
    "check_estimators_nan_inf": COLUMN_COUNT_REASON,
    "check_estimators_pickle": COLUMN_COUNT_REASON,
    "check_readonly_memmap_input": COLUMN_COUNT_REASON,
    "check_n_features_in_after_fitting": COLUMN_COUNT_REASON,
    "check_positive_only_tag_during_fit": COLUMN_COUNT_REASON,
    "check_dtype_object": COLUMN_COUNT_REASON,
    "check_pipeline_consistency": COLUMN_COUNT_REASON,
    "check_transformer_general": COLUMN_COUNT_REASON,
    "check_transformer_data_not_an_array": COLUMN_COUNT_REASON,
    "check_sample_weights_pandas_series": COLUMN_COUNT_REASON,
    "check_all_zero_sample_weights_error": COLUMN_COUNT_REASON,
    "check_sample_weight_equivalence_on_dense_data": COLUMN_COUNT_REASON,
    "check_fit2d_predict1d": (
        "a 1-D array is a valid binary score column, so it is read, not "
        "rejected with 'Reshape your data'"
    ),
}


def _expected_failed_checks(estimator):
    if isinstance(estimator, ProbabilityDecoder):
        return PROBABILITY_DECODER_XFAIL
    return {}


@parametrize_with_checks(
    [ProbabilityDecoder()], expected_failed_checks=_expected_failed_checks
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_probability_decoder_param_validation():
    check_param_validation("ProbabilityDecoder", ProbabilityDecoder())
