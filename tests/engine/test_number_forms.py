"""The shared label formatter of the lens and the chart: every form keeps the sign, reads back
as the value to the digits it shows, and each is narrower than the one before."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.format import MINUS, element_index, fitted_number, fitted_numbers, number_forms


def _read(text: str) -> Decimal:
    return Decimal(text.replace(MINUS, "-"))


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_every_form_is_the_value_to_its_digits_with_its_sign(v):
    forms = number_forms(v)
    assert forms
    for text in forms:
        shown = _read(text)
        last_digit = Decimal(1).scaleb(shown.as_tuple().exponent)
        assert abs(float(shown) - v) <= float(last_digit) / 2 * (1 + 1e-9) + 1e-300
        assert text.startswith(MINUS) == (v < 0)
    assert [len(t) for t in forms] == sorted({len(t) for t in forms}, reverse=True)


def test_examples_from_the_lens_and_the_chart():
    assert number_forms(-0.0324) == ["−0.0324", "−0.032", "−0.03"]
    assert number_forms(0.000123456) == ["1.235e-4", "1.23e-4", "1.2e-4", "1e-4"]
    assert number_forms(-6.0) == ["−6"]
    assert number_forms(1234567.0)[-1] == "1e6"
    assert number_forms(math.nan) == ["nan"] and number_forms(-math.inf) == ["−inf"]


def test_fitting_takes_the_most_precise_form_that_fits():
    assert fitted_number(-0.08815, lambda t: len(t) <= 6) == "−0.088"
    assert fitted_number(-0.08815, lambda t: len(t) <= 2) is None
    assert fitted_numbers([0.5, -0.08815], lambda t: len(t) <= 6) == ["0.5", "−0.088"]
    assert fitted_numbers([0.5, -0.08815], lambda t: len(t) <= 3) is None


def test_element_index():
    assert element_index("W[0,1]", "W") == "0,1"
    assert element_index("x", "x") is None
    assert element_index("Wb[0]", "W") is None
