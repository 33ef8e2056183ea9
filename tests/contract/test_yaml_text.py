"""The YAML rendering: block style for people, JSON scalars so any YAML 1.2 reader gets the same data."""

from jingzhang.shared.contract.yaml_text import dump


def test_nested_mappings_and_sequences_are_block_style() -> None:
    assert dump({"a": {"b": [1, {"c": "x"}]}, "e": []}) == ('"a":\n  "b":\n    - 1\n    - "c": "x"\n"e": []\n')


def test_scalars_are_json_so_tricky_strings_stay_strings() -> None:
    assert dump({"on": "yes", "n": "007", "z": None, "t": "警长: #1"}) == (
        '"on": "yes"\n"n": "007"\n"z": null\n"t": "警长: #1"\n'
    )


def test_a_list_of_lists_keeps_its_nesting() -> None:
    assert dump([[1, 2], []]) == "- - 1\n  - 2\n- []\n"
