"""Benchmarks: speed figures printed, never asserted (README, "Figures").

Run from the checkout, not installed with the product: `./dev benchmark ingest|mitel|push|intervals`
(`python -m bench ...`). They name vendors, so they live outside `ingest/` and `wallboard/`.
By hand, one decoder at a time: `python -m bench.avaya_cms`, `bench.mitel`, `bench.optimus`.
"""
