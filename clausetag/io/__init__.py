"""Documents and records in and out: readers (.txt .docx .pdf .html) and PDF layout, the clause record
and its Arrow schema, the label schema, and the atomic JSONL/CSV/Parquet writers."""
