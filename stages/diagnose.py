"""Stage diagnose: per-label diagnostics of the shipped decision rule, on validation and (for
reporting) on test: label co-occurrence, calibration, a per-label table and the errors to read."""

from mltc.core.errors import run_stage
from mltc.pipeline import diagnose

if __name__ == "__main__":
    run_stage(diagnose.run)
