"""mltc.core.progress: what a loop of fits has left, said after each fit."""

from mltc.core import progress


def test_each_fit_says_the_time_so_far_and_what_the_rest_will_take(monkeypatch, capsys):
    clock = iter([100.0, 190.0, 250.0, 400.0])  # started, then the end of each fit
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    fits = progress.FitsLeft("baseline", 3, "a shorter grid costs less")
    for c in (0.5, 1.0, 2.0):
        fits.fitted(f"C={c}")
    assert capsys.readouterr().out.splitlines() == [
        "baseline: C=0.5 fitted, 1 of 3 in 90 s; the other 2: about 3.0 min "
        "(a shorter grid costs less)",
        "baseline: C=1.0 fitted, 2 of 3 in 150 s; the other 1: about 1.2 min",
        "baseline: C=2.0 fitted, 3 of 3 in 300 s",
    ]
