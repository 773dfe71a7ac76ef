import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity import national_id
from tests.factories import valid_national_id


def test_known_valid_number_passes_and_is_normalised():
    # 11010519491231002X is the widely published sample number from GB 11643-1999.
    assert national_id.validate(" 11010519491231002x ") == "11010519491231002X"


def test_full_width_characters_typed_on_a_phone_are_accepted():
    assert national_id.validate("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101051949123100", "format"),  # too short
        ("11010519491231002Y", "format"),  # last character not a digit or X
        ("01010519491231002X", "format"),  # region code cannot start with 0
        ("110105194913310021", "birth_date"),  # month 13
        ("110105194902300021", "birth_date"),  # 30 February
        ("110105189912310021", "birth_date"),  # before 1900
        ("110105199912310028", "check_digit"),
        ("11010519491231002 1", "check_digit"),
    ],
)
def test_malformed_numbers_are_refused_with_the_reason(value, code):
    with pytest.raises(ValidationError) as error:
        national_id.validate(value)
    assert error.value.code == code


@given(st.integers(min_value=0, max_value=99_999))
def test_every_generated_number_carries_a_correct_check_character(sequence):
    number = valid_national_id(sequence)
    assert national_id.validate(number) == number


@given(st.integers(min_value=0, max_value=9_999), st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_check(sequence, position, delta):
    number = valid_national_id(sequence)
    changed_digit = str((int(number[position]) + delta) % 10)
    altered = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(ValidationError):
        national_id.validate(altered)


def test_keyed_hash_depends_on_the_key(settings):
    number = valid_national_id(7)
    first = national_id.keyed_hash(number)
    settings.NATIONAL_ID_HASH_KEY = "another-key"
    assert national_id.keyed_hash(number) != first
    assert number not in first
