"""lm-eval interoperability: thaibench tasks inside lm-eval, lm-eval tasks inside thaibench.

- `export`: `thaibench lm-eval export` writes an lm-eval task folder (one YAML per task and
  language, groups `thaibench_th` / `thaibench_en`) whose documents come from thaibench's own
  loaders and whose `process_results` calls thaibench's scorers (`hooks`).
- `provider`: `thaibench score --tasks lm-eval:TASK` runs an lm-eval task through thaibench's
  backends, records and language scorers, with lm-eval's own filters, `process_results` and
  aggregations.

lm-eval (`pip install 'thaibench[lm-eval]'`) is imported only inside these functions, never
when thaibench starts.
"""
