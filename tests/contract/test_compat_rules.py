"""The compatibility rules on small hand-made schema pairs: what a subscriber may and may not be handed."""

from typing import Any

from jingzhang.shared.contract.compat import breaches

TEXT = {"type": "string"}
NUMBER = {"type": "integer"}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {**required, **(optional or {})}, "required": list(required), **extra}


def reasons(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [str(b) for b in breaches(old, new)]


class TestCompatibleChanges:
    def test_an_unchanged_schema_passes(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({"a": TEXT})) == []

    def test_a_new_optional_field_passes(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({"a": TEXT}, {"b": NUMBER})) == []

    def test_titles_and_descriptions_may_change(self) -> None:
        assert reasons(obj({"a": {**TEXT, "title": "A"}}), obj({"a": {**TEXT, "description": "the a"}})) == []

    def test_an_enum_may_gain_values(self) -> None:
        old = obj({"k": {"type": "string", "enum": ["x"]}})
        assert reasons(old, obj({"k": {"type": "string", "enum": ["x", "y"]}})) == []

    def test_a_bound_may_widen(self) -> None:
        assert reasons(obj({"n": {**NUMBER, "maximum": 5}}), obj({"n": {**NUMBER, "maximum": 9}})) == []

    def test_moving_a_type_into_defs_is_not_a_change(self) -> None:
        inline = obj({"k": {"type": "string", "enum": ["x"]}})
        by_ref = {**obj({"k": {"$ref": "#/$defs/K"}}), "$defs": {"K": {"type": "string", "enum": ["x"]}}}
        assert reasons(inline, by_ref) == []


class TestFieldsThatBreakSubscribers:
    def test_a_removed_required_field_fails(self) -> None:
        assert reasons(obj({"a": TEXT, "b": TEXT}), obj({"a": TEXT})) == ["/b: required field removed or renamed"]

    def test_a_renamed_required_field_fails_twice(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({"z": TEXT})) == [
            "/a: required field removed or renamed",
            "/z: new required field without a default",
        ]

    def test_a_new_required_field_fails(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({"a": TEXT, "b": TEXT})) == ["/b: new required field without a default"]

    def test_a_required_field_that_became_optional_fails(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({}, {"a": TEXT})) == ["/a: required field became optional"]

    def test_an_optional_field_may_not_vanish_while_extras_are_forbidden(self) -> None:
        old = obj({}, {"a": TEXT}, additionalProperties=False)
        assert reasons(old, obj({}, additionalProperties=False)) == [
            "/a: optional field removed: stored events carrying it would be refused"
        ]
        assert reasons(old, obj({})) == []


class TestTypesThatBreakSubscribers:
    def test_a_changed_type_fails(self) -> None:
        assert reasons(obj({"a": TEXT}), obj({"a": NUMBER})) == ["/a: type changed from string to integer"]

    def test_a_changed_format_fails(self) -> None:
        old = obj({"at": {"type": "string", "format": "date-time"}})
        assert reasons(old, obj({"at": {"type": "string", "format": "date"}})) == [
            "/at: type changed from string:date-time to string:date"
        ]

    def test_a_field_that_became_nullable_fails(self) -> None:
        new = obj({"a": {"anyOf": [TEXT, {"type": "null"}]}})
        assert reasons(obj({"a": TEXT}), new) == ["/a: type changed from string to null | string"]

    def test_an_enum_that_lost_a_value_fails(self) -> None:
        old = obj({"k": {"$ref": "#/$defs/K"}}) | {"$defs": {"K": {"type": "string", "enum": ["x", "y"]}}}
        new = obj({"k": {"$ref": "#/$defs/K"}}) | {"$defs": {"K": {"type": "string", "enum": ["x"]}}}
        assert reasons(old, new) == ["/k: enum lost values ['y']"]

    def test_a_free_string_restricted_to_an_enum_fails(self) -> None:
        assert reasons(obj({"k": TEXT}), obj({"k": {"type": "string", "enum": ["x"]}})) == [
            "/k: restricted to the enum ['x']"
        ]

    def test_a_changed_constant_fails(self) -> None:
        old = obj({"type": {"type": "string", "const": "a.v1"}})
        assert reasons(old, obj({"type": {"type": "string", "const": "a.v2"}})) == [
            "/type: constant changed from 'a.v1' to 'a.v2'"
        ]

    def test_a_tightened_bound_fails(self) -> None:
        assert reasons(obj({"n": {**NUMBER, "minimum": 1}}), obj({"n": {**NUMBER, "minimum": 2}})) == [
            "/n: minimum raised to 2"
        ]


class TestNestedShapes:
    def test_a_change_inside_a_nested_model_is_found_by_path(self) -> None:
        old = {**obj({"p": {"$ref": "#/$defs/P"}}), "$defs": {"P": obj({"x": NUMBER})}}
        new = {**obj({"p": {"$ref": "#/$defs/P"}}), "$defs": {"P": obj({"y": NUMBER})}}
        assert reasons(old, new) == [
            "/p/x: required field removed or renamed",
            "/p/y: new required field without a default",
        ]

    def test_a_change_of_array_items_fails(self) -> None:
        old = obj({"xs": {"type": "array", "items": TEXT}})
        assert reasons(old, obj({"xs": {"type": "array", "items": NUMBER}})) == [
            "/xs/[]: type changed from string to integer"
        ]

    def test_a_change_inside_a_map_fails(self) -> None:
        old = obj({"m": {"type": "object", "additionalProperties": NUMBER}})
        assert reasons(old, obj({"m": {"type": "object", "additionalProperties": TEXT}})) == [
            "/m/*: type changed from integer to string"
        ]

    def test_a_change_in_a_nullable_nested_model_is_found(self) -> None:
        old = {**obj({"p": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]}}), "$defs": {"P": obj({"x": NUMBER})}}
        new = {**obj({"p": {"anyOf": [{"$ref": "#/$defs/P"}, {"type": "null"}]}}), "$defs": {"P": obj({"x": TEXT})}}
        assert reasons(old, new) == ["/p/x: type changed from integer to string"]
