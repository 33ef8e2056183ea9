"""Reading wrk's `--latency` output (bench/web.py): rates count 2xx answers only, units become ms."""

import pytest

from bench.web import parse_wrk

OUTPUT = """Running 5s test @ http://127.0.0.1:40000/leaflets
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    60.12ms   30.01ms 400.00ms   80.00%
    Req/Sec   120.00     20.00   200.00     70.00%
  Latency Distribution
     50%   50.75ms
     75%   70.10ms
     90%   90.20ms
     99%    1.57s
  1434 requests in 5.03s, 400.00KB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 34
Requests/sec:    285.09
Transfer/sec:     79.52KB
FIRST-REFUSAL 409 {"code":"duplicate"}
"""


def test_reads_percentiles_counts_and_refusals() -> None:
    load = parse_wrk(OUTPUT)
    assert load.p50 == pytest.approx(50.75)
    assert load.p99 == pytest.approx(1570.0)
    assert load.requests == 1434
    assert load.non2xx == 34
    assert load.socket_errors == 3
    assert load.seconds == pytest.approx(5.03)
    assert load.rate == pytest.approx((1434 - 34) / 5.03)
    assert load.refused == '409 {"code":"duplicate"}'


def test_microseconds_and_a_clean_run() -> None:
    clean = OUTPUT.replace("50.75ms", "950.00us").split("  Socket errors")[0] + "Requests/sec: 285.09\n"
    load = parse_wrk(clean)
    assert load.p50 == pytest.approx(0.95)
    assert load.non2xx == 0
    assert load.socket_errors == 0
    assert load.refused == ""


def test_output_without_figures_is_an_error() -> None:
    with pytest.raises(ValueError, match="unexpected wrk output"):
        parse_wrk("unable to connect to 127.0.0.1:40000 Connection refused\n")
