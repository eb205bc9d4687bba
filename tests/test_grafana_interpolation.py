"""The test helper's variable formats against the examples in Grafana's variable-syntax docs."""

from __future__ import annotations

from tools.engines.grafana_sql import ALL, Variable, interpolate_variables

SERVERS = Variable("servers", ["test.1", "test2"], ["test.1", "test2"], multi=True, include_all=True)


def fmt(text: str, variable: Variable = SERVERS) -> str:
    return interpolate_variables(text, [variable])


def test_explicit_formats():
    assert fmt("${servers:regex}") == r"(test\.1|test2)"
    assert fmt("${servers:pipe}") == "test.1|test2"
    assert fmt("${servers:csv}") == "test.1,test2"
    assert fmt("${servers:sqlstring}") == "'test.1','test2'"
    assert fmt("[[servers:raw]]") == "test.1,test2"


def test_a_single_value_is_escaped_without_a_group():
    one = Variable("servers", ["a.b/c"], ["a.b/c"], multi=True)
    assert fmt("${servers:regex}", one) == r"a\.b\/c"


def test_sql_quoting_doubles_quotes():
    quoted = Variable("servers", ["test'3"], ["test'3"], multi=True)
    assert fmt("$servers", quoted) == "'test''3'"
    assert fmt("${servers:sqlstring}", quoted) == "'test''3'"


def test_all_is_every_option_unless_a_custom_all_value_is_set():
    every = Variable("servers", ALL, ["a", "b"], multi=True, include_all=True)
    assert fmt("${servers:regex}", every) == "(a|b)"
    assert fmt("$servers", every) == "'a','b'"
    custom = Variable("servers", ALL, ["a", "b"], multi=True, include_all=True, all_value=".*")
    # A custom all value is inserted as written, whatever the format.
    assert fmt("${servers:regex}", custom) == ".*"
    assert fmt("${servers:sqlstring}", custom) == ".*"
    assert fmt("$servers", custom) == ".*"
